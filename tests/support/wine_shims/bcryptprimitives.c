/* Test-only stand-in for Windows 10's bcryptprimitives.dll, which Wine 8 does not have.
 *
 * Rust's standard library (1.78 and later) gets random bytes from bcryptprimitives!ProcessPrng, so every
 * Rust-built extension module imports it; for Offramp that is rpds-py, which jsonschema needs. Without this
 * file Windows Python under Wine 8 fails with "DLL load failed while importing rpds: Module not found".
 * A real Windows 10/11 machine ships the DLL in System32, which is where the Wine test bed copies this one.
 *
 * Build: x86_64-w64-mingw32-gcc -O2 -shared -o bcryptprimitives.dll bcryptprimitives.c -lbcrypt
 *        -Wl,--kill-at -static-libgcc
 */
#include <windows.h>
#include <bcrypt.h>

/* Documented contract: fills the buffer with random bytes and always returns TRUE. Wine's bcrypt
 * implements the system-preferred RNG, so this forwards to it in chunks that fit its ULONG length. */
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len) {
        ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, data, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG)))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
