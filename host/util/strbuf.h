/* host/util/strbuf.h - a growing NUL-terminated text buffer for writers that report running out
 * of memory once, at the end (oom), instead of after every piece. */
#ifndef AN_UTIL_STRBUF_H
#define AN_UTIL_STRBUF_H

#include <stddef.h>

typedef struct an_strbuf {
    char *p;     /* the text, NUL-terminated once anything was added; free() it */
    size_t len, cap;
    int oom;     /* an allocation failed: the text is incomplete */
} an_strbuf;

/* Append n bytes of s. */
void an_sb_add(an_strbuf *b, const char *s, size_t n);

/* Append the string s. */
void an_sb_str(an_strbuf *b, const char *s);

/* Append printf-formatted text. */
void an_sb_printf(an_strbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
