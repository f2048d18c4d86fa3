// SPDX-License-Identifier: AGPL-3.0-only

package sim

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"strconv"
	"sync/atomic"
)

const upperHex = "0123456789ABCDEF"

// idGen makes wamids and fbtrace ids that are unique per process and look
// like the platform's.
type idGen struct {
	prefix [3]byte // random per server
	n      atomic.Uint64
}

func newIDGen() *idGen {
	g := &idGen{}
	_, _ = rand.Read(g.prefix[:])
	var seed [2]byte
	_, _ = rand.Read(seed[:])
	g.n.Store(uint64(binary.BigEndian.Uint16(seed[:])) << 24)
	return g
}

// wamid builds "wamid." + base64 of the platform's framing: 0x1C 0x18 <len>
// <wa_id digits> 0x15 0x02 0x00, then 0x11 0x18 0x12 + 18 upper-case hex
// characters for messages the business sends, or 0x12 0x18 0x14 + 20 for
// messages a user sends, then 0x00. Decoded real ids have exactly this shape.
func (g *idGen) wamid(waID string, inbound bool) string {
	if len(waID) > 40 {
		waID = waID[:40]
	}
	hexLen := 18
	kind, lenByte := byte(0x11), byte(0x12)
	if inbound {
		hexLen, kind, lenByte = 20, 0x12, 0x14
	}
	var raw [3 + 40 + 6 + 20 + 1]byte
	b := raw[:0]
	b = append(b, 0x1C, 0x18, byte(len(waID)))
	b = append(b, waID...)
	b = append(b, 0x15, 0x02, 0x00, kind, 0x18, lenByte)
	var id [10]byte
	copy(id[:3], g.prefix[:])
	binary.BigEndian.PutUint64(id[2:], g.n.Add(1)|uint64(id[2])<<56)
	var hx [20]byte
	for i, c := range id {
		hx[2*i], hx[2*i+1] = upperHex[c>>4], upperHex[c&0x0F]
	}
	b = append(b, hx[20-hexLen:]...)
	b = append(b, 0x00)
	out := make([]byte, len("wamid.")+base64.StdEncoding.EncodedLen(len(b)))
	copy(out, "wamid.")
	base64.StdEncoding.Encode(out[len("wamid."):], b)
	return string(out)
}

// traceID returns a 23-character fbtrace_id like "Az8or2yhqkZfEZ-_4Qn_Bam".
func (g *idGen) traceID() string {
	var b [17]byte
	_, _ = rand.Read(b[:12])
	binary.BigEndian.PutUint64(b[9:], g.n.Add(1))
	return "A" + base64.RawURLEncoding.EncodeToString(b[:])[:22]
}

// challenge returns a random decimal string for the verification handshake (§4.2).
func challenge() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return strconv.FormatUint(binary.BigEndian.Uint64(b[:])>>1, 10)
}
