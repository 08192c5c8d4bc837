/* The one UTF-8 decoder. The tokenizer calls it for every non-ASCII byte of
 * every review, so it is inline. Its callers differ only in what an invalid
 * sequence becomes: the tokenizer treats each of its bytes as a separator
 * (utf8_decode_multibyte's 0), the grid shows it as one '?' (utf8_claimed_length
 * says how many bytes that '?' stands for). */
#ifndef SENTUI_COMMON_UTF8_H
#define SENTUI_COMMON_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Code point and length (2-4) of the multi-byte sequence at p, or 0 when
 * there is none: an ASCII byte, a stray continuation byte, a lead byte that
 * is never used (0xc0, 0xc1, 0xf5-0xff), a sequence cut short or broken, an
 * overlong form, a surrogate, or beyond U+10FFFF. */
static inline int utf8_decode_multibyte(const unsigned char *p, size_t avail, uint32_t *cp) {
    unsigned c = p[0];
    if (c < 0xc2 || c > 0xf4) return 0;
    if (c < 0xe0) {
        if (avail < 2 || (p[1] & 0xc0) != 0x80) return 0;
        *cp = ((c & 0x1fu) << 6) | (p[1] & 0x3fu);
        return 2;
    }
    if (c < 0xf0) {
        if (avail < 3 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80) return 0;
        if (c == 0xe0 && p[1] < 0xa0) return 0; /* overlong */
        if (c == 0xed && p[1] > 0x9f) return 0; /* surrogate */
        *cp = ((c & 0x0fu) << 12) | ((p[1] & 0x3fu) << 6) | (p[2] & 0x3fu);
        return 3;
    }
    if (avail < 4 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80) return 0;
    if (c == 0xf0 && p[1] < 0x90) return 0;
    if (c == 0xf4 && p[1] > 0x8f) return 0;
    *cp = ((c & 0x07u) << 18) | ((p[1] & 0x3fu) << 12) | ((p[2] & 0x3fu) << 6) | (p[3] & 0x3fu);
    return 4;
}

/* For a sequence utf8_decode_multibyte refused: its whole length (2-4) when
 * its lead and continuation bytes are well formed and only the value is not
 * allowed (overlong, surrogate, beyond U+10FFFF), so it is one bad character;
 * 1 otherwise, so a broken sequence costs one byte and the next one is read
 * afresh. */
static inline int utf8_claimed_length(const unsigned char *p, size_t avail) {
    int len = p[0] >= 0xf0 && p[0] < 0xf5 ? 4 : p[0] >= 0xe0 && p[0] < 0xf0 ? 3 : p[0] >= 0xc2 && p[0] < 0xe0 ? 2 : 0;
    if (!len || (size_t)len > avail) return 1;
    for (int i = 1; i < len; i++)
        if ((p[i] & 0xc0) != 0x80) return 1;
    return len;
}

#endif
