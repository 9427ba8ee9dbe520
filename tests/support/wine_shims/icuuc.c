/* Test-only stand-in for Windows 10's system icuuc.dll, which Wine 8 does not have. NEVER ship it.
 *
 * PySide6 6.12's Qt6Core.dll links the system ICU (Qt >= 6.9), but imports only a few ucnv_* converter
 * functions from it. Without this file `from PySide6 import QtCore` fails under Wine 8 with "DLL load failed
 * while importing QtCore: Module not found". Every converter look-up here fails, so Qt falls back to its
 * built-in UTF-8/16/32 and Latin-1 codecs. A real Windows 10/11 machine ships icuuc.dll in System32, which is
 * where the Wine test bed copies this one (PyInstaller never bundles anything from C:\windows).
 *
 * Build: x86_64-w64-mingw32-gcc -O2 -shared -o icuuc.dll icuuc.c -static-libgcc
 */
#include <stdint.h>
#include <stddef.h>
#define EXP __declspec(dllexport)
typedef int UErrorCode;
#define U_FILE_ACCESS_ERROR 4
static void seterr(UErrorCode *e) { if (e && *e <= 0) *e = U_FILE_ACCESS_ERROR; }
EXP void *ucnv_open(const char *name, UErrorCode *err) { seterr(err); return NULL; }
EXP void ucnv_close(void *c) {}
EXP void UCNV_FROM_U_CALLBACK_SUBSTITUTE(void) {}
EXP void UCNV_TO_U_CALLBACK_SUBSTITUTE(void) {}
EXP void ucnv_reset(void *c) {}
EXP int8_t ucnv_getMaxCharSize(const void *c) { return 4; }
EXP const char *ucnv_getName(const void *c, UErrorCode *err) { seterr(err); return ""; }
EXP void ucnv_getToUCallBack(const void *c, void **a, const void **ctx) { if (a) *a = NULL; if (ctx) *ctx = NULL; }
EXP void ucnv_getFromUCallBack(const void *c, void **a, const void **ctx) { if (a) *a = NULL; if (ctx) *ctx = NULL; }
EXP void ucnv_setToUCallBack(void *c, void *a, const void *ctx, void **oa, const void **octx, UErrorCode *err) { if (oa) *oa = NULL; if (octx) *octx = NULL; }
EXP void ucnv_setFromUCallBack(void *c, void *a, const void *ctx, void **oa, const void **octx, UErrorCode *err) { if (oa) *oa = NULL; if (octx) *octx = NULL; }
EXP void ucnv_cbToUWriteUChars(void *a, const void *s, int32_t l, int32_t o, UErrorCode *err) { seterr(err); }
EXP void ucnv_cbFromUWriteUChars(void *a, const void *s, int32_t l, int32_t o, UErrorCode *err) { seterr(err); }
EXP void ucnv_toUnicode(void *c, void **t, const void *tl, const char **s, const char *sl, int32_t *off, int8_t f, UErrorCode *err) { seterr(err); }
EXP void ucnv_fromUnicode(void *c, char **t, const char *tl, const void **s, const void *sl, int32_t *off, int8_t f, UErrorCode *err) { seterr(err); }
EXP int32_t ucnv_toUCountPending(const void *c, UErrorCode *err) { return 0; }
EXP int32_t ucnv_fromUCountPending(const void *c, UErrorCode *err) { return 0; }
EXP const char *ucnv_getStandardName(const char *n, const char *std, UErrorCode *err) { seterr(err); return NULL; }
EXP const char *ucnv_getAvailableName(int32_t n) { return NULL; }
EXP int32_t ucnv_countAvailable(void) { return 0; }
