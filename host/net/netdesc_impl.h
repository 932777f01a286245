/* host/net/netdesc_impl.h - what netdesc.c (shape inference, text output) and netparse.c (the
 * parser, loading) share; not for other callers. */
#ifndef AN_NET_NETDESC_IMPL_H
#define AN_NET_NETDESC_IMPL_H

#include "net/netdesc.h"

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

/* A malloc'ed copy of s (NULL when out of memory). */
char *an_net_dup_str(const char *s);

/* Infer every layer's shapes, towers, tensors and costs; errors name the layer. */
an_status an_net_infer(an_net *net);

#endif
