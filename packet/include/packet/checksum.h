/* The packet library's C core: Internet checksums (RFC 1071) and
 * big-endian fields over byte buffers. Plain C, so the fuzz target (clang,
 * no project C++ headers) and the C++ builders share one implementation. */
#ifndef PACKET_CHECKSUM_H
#define PACKET_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

static inline uint16_t pkt_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void pkt_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void pkt_put32(uint8_t *p, uint32_t v)
{
	pkt_put16(p, (uint16_t)(v >> 16));
	pkt_put16(p + 2, (uint16_t)v);
}

/* The one's complement sum of len bytes added to sum, folded to 16 bits
 * and not complemented: a partial sum to chain (a pseudo-header first). An
 * odd last byte counts as the high half of a word. */
static inline uint32_t pkt_sum(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += pkt_get16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/* The checksum to store: the complemented sum. Over data that holds a
 * correct checksum it is 0. */
static inline uint16_t pkt_csum(const uint8_t *p, size_t len, uint32_t sum)
{
	return (uint16_t)~pkt_sum(p, len, sum);
}

/* 02:00:00:00:00:01, into a buffer of PKT_MAC_TEXT bytes. */
#define PKT_MAC_TEXT 18
static inline const char *pkt_format_mac(char *out, const uint8_t *mac)
{
	snprintf(out, PKT_MAC_TEXT, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
		 mac[3], mac[4], mac[5]);
	return out;
}

#endif
