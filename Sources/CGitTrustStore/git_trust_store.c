// libgit2 1.5 as Debian builds it (HTTPS through mbedTLS) parses the whole
// system CA bundle, ~140 PEM certificates, inside git_libgit2_init: about
// 3 ms of every failmix run, a third of a warm gate. failmix only ever
// opens local repositories through libgit2 (publishing goes through curl,
// with its own trust store), so nothing here uses those certificates.
//
// These definitions interpose on libmbedx509's: the executable defines the
// symbols libgit2.so references, so the dynamic linker binds libgit2's calls
// here. Each reports success with an empty chain. Should libgit2 ever open a
// TLS connection from failmix, verification has no trust anchor and fails:
// closed, never open.
#include "git_trust_store.h"

#include <stdatomic.h>

static atomic_int requests;

int mbedtls_x509_crt_parse_file(void *chain, const char *path) {
    (void)chain; (void)path;
    atomic_fetch_add(&requests, 1);
    return 0;
}

int mbedtls_x509_crt_parse_path(void *chain, const char *path) {
    (void)chain; (void)path;
    atomic_fetch_add(&requests, 1);
    return 0;
}

int failmix_git_trust_store_requests(void) {
    return atomic_load(&requests);
}
