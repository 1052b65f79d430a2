#ifndef FAILMIX_CLIBGIT2_SHIM_H
#define FAILMIX_CLIBGIT2_SHIM_H
#include <git2.h>

/* git_libgit2_opts is variadic, which Swift cannot call: fixed-arity helpers. */
static inline int failmix_set_owner_validation(int enabled) {
    return git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, enabled);
}
#endif
