#include "toml_release.h"
#include <new>

extern "C" void failmix_toml_release_cleared_table(void *table) { ::operator delete(table); }
