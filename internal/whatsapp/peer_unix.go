// SPDX-License-Identifier: AGPL-3.0-only

//go:build unix

package whatsapp

import (
	"crypto/tls"
	"net"
	"syscall"
)

// peerClosed reports whether a kept connection can no longer carry a
// request: the server closed it, or sent something nobody asked for. It
// peeks without waiting, one system call.
func peerClosed(c net.Conn) bool {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return true
	}
	closed := false
	err = rc.Read(func(fd uintptr) bool {
		var b [1]byte
		n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		closed = n > 0 || (n == 0 && err == nil) || (err != nil && err != syscall.EAGAIN)
		return true
	})
	return closed || err != nil
}
