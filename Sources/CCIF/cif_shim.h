#include <cif.h>
#include <cif_error.h>

/* The short description of a CIF API result code (cif_errlist is an array of arrays, which Swift
   does not import). */
static inline const char *preconv_cif_error_text(int code) {
    return (code >= 0 && code < cif_nerr) ? cif_errlist[code] : "unknown error";
}
