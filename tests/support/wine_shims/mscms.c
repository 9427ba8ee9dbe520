/* Test-only stand-in for mscms.dll: Wine 8's built-in one lacks WcsCreateIccProfile. NEVER ship it.
 *
 * Qt6Gui (Qt >= 6.10) calls WcsCreateIccProfile for each screen on the native `windows` platform, and Wine 8
 * aborts the process ("unimplemented function mscms.dll.WcsCreateIccProfile"). Opening a profile fails here,
 * so Qt treats the screen as sRGB. Wine prefers its built-in mscms.dll, so the bed copies this file to System32
 * and GUI runs load it with WINEDLLOVERRIDES="mscms=n,b"; everything else keeps Wine's own.
 *
 * Build: x86_64-w64-mingw32-gcc -O2 -shared -o mscms.dll mscms.c -Wl,--kill-at -static-libgcc
 */
#include <windows.h>
#define EXP __declspec(dllexport)
EXP HANDLE WINAPI OpenColorProfileW(void *profile, DWORD access, DWORD share, DWORD creation) { SetLastError(ERROR_FILE_NOT_FOUND); return NULL; }
EXP BOOL WINAPI CloseColorProfile(HANDLE h) { return TRUE; }
EXP HANDLE WINAPI WcsCreateIccProfile(HANDLE h, DWORD flags) { SetLastError(ERROR_NOT_SUPPORTED); return NULL; }
EXP BOOL WINAPI GetColorProfileFromHandle(HANDLE h, BYTE *buf, DWORD *size) { if (size) *size = 0; SetLastError(ERROR_NOT_SUPPORTED); return FALSE; }
