#ifndef FAILMIX_GIT_TRUST_STORE_H
#define FAILMIX_GIT_TRUST_STORE_H

/// How many times libgit2 asked to load a TLS trust store in this process
/// (each request is answered "loaded, nothing in it"): see git_trust_store.c.
int failmix_git_trust_store_requests(void);

#endif
