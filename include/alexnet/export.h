/* alexnet/export.h - AN_API marks the functions the shared library exports.
 *
 * The library is compiled with hidden visibility: only declarations marked AN_API (the ones in
 * include/alexnet/) are visible outside libalexnet.so. The mark is harmless where it is not
 * needed (the static library, a program that includes the headers). */
#ifndef ALEXNET_EXPORT_H
#define ALEXNET_EXPORT_H

#if defined(__GNUC__)
#define AN_API __attribute__((visibility("default")))
#else
#define AN_API
#endif

#endif
