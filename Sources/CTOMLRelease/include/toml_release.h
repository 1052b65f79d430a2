#ifndef FAILMIX_TOML_RELEASE_H
#define FAILMIX_TOML_RELEASE_H

/* CTOML (inside TOMLKit 0.6.0) allocates a parsed document's root table with
   C++ `new` and exports no function to delete it. FailmixConfig empties the
   table with CTOML's tableClear (which destroys every node under it) and then
   hands the table here, which returns its storage with the matching C++
   `operator delete`. An emptied toml::table owns nothing else (its map is
   empty and a document parsed from a string has no source path), so skipping
   its destructor loses nothing. */
#ifdef __cplusplus
extern "C" {
#endif
void failmix_toml_release_cleared_table(void *table);
#ifdef __cplusplus
}
#endif

#endif
