#ifndef FAILMIX_CPCRE2_SHIM_H
#define FAILMIX_CPCRE2_SHIM_H
/* PCRE2's 8-bit (UTF-8) library: the one libgit2 itself loads. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#endif
