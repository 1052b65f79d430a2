#include "curl_shim.h"

typedef int (*failmix_variadic)(void *, int, ...);

int failmix_curl_setopt_pointer(void *setopt, void *handle, int option, const void *value) {
    return ((failmix_variadic)setopt)(handle, option, value);
}

int failmix_curl_setopt_long(void *setopt, void *handle, int option, long value) {
    return ((failmix_variadic)setopt)(handle, option, value);
}

int failmix_curl_setopt_off(void *setopt, void *handle, int option, long long value) {
    return ((failmix_variadic)setopt)(handle, option, value);
}

int failmix_curl_getinfo(void *getinfo, void *handle, int info, void *out) {
    return ((failmix_variadic)getinfo)(handle, info, out);
}
