#ifndef FAILMIX_CLIBGIT2_SHIM_H
#define FAILMIX_CLIBGIT2_SHIM_H
#include <git2.h>
#include <git2/sys/repository.h>
#include <malloc.h>
#include <git2/sys/odb_backend.h>
#include <zlib.h>

/* A libgit2 object-database backend with a pointer back to the Swift reader
   that serves it (LooseObjectBackend.swift). */
typedef struct {
    git_odb_backend parent;
    void *context;
} failmix_odb_backend;

/* glibc's memrchr, declared only under _GNU_SOURCE (commit parsing looks
   for a signature's last '<' and '>' with it). */
extern void *memrchr(const void *s, int c, size_t n);

/* zlib's inflateInit is a macro. */
static inline int failmix_inflate_init(z_stream *stream) { return inflateInit(stream); }

/* git_libgit2_opts is variadic, which Swift cannot call: fixed-arity helpers. */
static inline int failmix_set_owner_validation(int enabled) {
    return git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, enabled);
}
/* Bounds on libgit2's memory: the parsed-object cache and mapped pack windows. */
static inline int failmix_set_mwindow_mapped_limit(size_t bytes) {
    return git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, bytes);
}
static inline int failmix_enable_caching(int enabled) {
    return git_libgit2_opts(GIT_OPT_ENABLE_CACHING, enabled);
}
static inline int failmix_set_mwindow_size(size_t bytes) {
    return git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, bytes);
}
/* Objects read are not re-hashed to check their ids (git does not either). */
static inline int failmix_set_strict_hash_verification(int enabled) {
    return git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, enabled);
}
/* glibc's malloc: blocks of at least `bytes` get their own mapping, returned
   to the system when freed (a fixed threshold also stops glibc raising it). */
static inline int failmix_set_mmap_threshold(size_t bytes) {
    return mallopt(M_MMAP_THRESHOLD, (int)bytes);
}
#endif
