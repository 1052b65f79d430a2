#ifndef FAILMIX_CURL_SHIM_H
#define FAILMIX_CURL_SHIM_H

/* libcurl is loaded at run time (dlopen), so its variadic functions
   curl_easy_setopt and curl_easy_getinfo are called through these: C makes
   a true variadic call, with the argument type libcurl reads for the
   option, instead of Swift calling a variadic function through a
   fixed-arity pointer (undefined behaviour, right only by ABI accident). */

/* `setopt` is curl_easy_setopt's address; `handle` a CURL *. */
int failmix_curl_setopt_pointer(void *setopt, void *handle, int option, const void *value);
int failmix_curl_setopt_long(void *setopt, void *handle, int option, long value);
/* For the *_LARGE options, which take a curl_off_t (64-bit). */
int failmix_curl_setopt_off(void *setopt, void *handle, int option, long long value);
/* `getinfo` is curl_easy_getinfo's address; `out` points at a long, a
   pointer or a double as the info requires. */
int failmix_curl_getinfo(void *getinfo, void *handle, int info, void *out);

#endif
