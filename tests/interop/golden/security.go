// The Go side of rumor's encryption tests (tests/interop/keyring_golden_test.cc): real
// memberlist instances with a Keyring, so every byte sealed or opened here went through
// memberlist's own encryptPayload / decryptPayload / encryptLocalState / decryptRemoteState
// (security.go, net.go), not a re-implementation. Keys travel as standard base64, the form
// `serf keygen` prints and Serf decodes with base64.StdEncoding, so the C++ encoder is tested too.
//
//	memberlist_golden security keys
//	    keys of 16, 24 and 32 random bytes, each as base64 (serf keygen's encoding) and hex
//	memberlist_golden security capture PV KEY_A KEY_B
//	    two memberlists, "a" with the ring [A, B] and "b" with [B, A], at ProtocolVersion PV
//	    (1 seals version 0, padded; 2..5 version 1) on MockNetwork; prints every packet and
//	    stream they exchanged, as the capture mode does
//	memberlist_golden security inject KEY...
//	    one memberlist "go" with the ring [KEY...] (the first primary), fed rumor's bytes as the
//	    inject mode does; its error log is printed too, and `wait_log TEXT` waits for a line
//	    holding TEXT (so a refusal is seen to happen, and why)
package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/memberlist"
)

func init() {
	modes["security"] = security
}

func security() {
	if len(os.Args) < 3 {
		panic("usage: memberlist_golden security keys|capture|inject [ARGS...]")
	}
	switch os.Args[2] {
	case "keys":
		securityKeys()
	case "capture":
		if len(os.Args) != 6 {
			panic("usage: memberlist_golden security capture PV KEY_A KEY_B")
		}
		pv, err := strconv.Atoi(os.Args[3])
		if err != nil {
			panic(err)
		}
		securityCapture(uint8(pv), decodeKey(os.Args[4]), decodeKey(os.Args[5]))
	case "inject":
		var keys [][]byte
		for _, k := range os.Args[3:] {
			keys = append(keys, decodeKey(k))
		}
		securityInject(keys)
	default:
		panic("unknown security mode " + os.Args[2])
	}
}

// Serf's way of reading a key (agent config `encrypt`, `serf keys -install`).
func decodeKey(s string) []byte {
	k, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return k
}

func keyring(keys [][]byte) *memberlist.Keyring {
	ring, err := memberlist.NewKeyring(keys, keys[0])
	if err != nil {
		panic(err)
	}
	return ring
}

// serf keygen: random bytes, base64.StdEncoding.
func securityKeys() {
	out := []obj{}
	for _, n := range []int{16, 24, 32} {
		k := make([]byte, n)
		if _, err := rand.Read(k); err != nil {
			panic(err)
		}
		out = append(out, obj{"base64": base64.StdEncoding.EncodeToString(k),
			"hex": hex.EncodeToString(k)})
	}
	printJSON(obj{"keys": out})
}

// The capture mode's exchange, with each node's own primary key.
func securityCapture(pv uint8, keyA, keyB []byte) {
	var network memberlist.MockNetwork
	rec := &recorder{}
	ta := newRecTransport(&network, "a", rec)
	tb := newRecTransport(&network, "b", rec)
	joinIntent := []byte{userMsg, 0x01, 0x82, 0xa5, 'L', 'T', 'i', 'm', 'e', 0x01, 0xa4, 'N', 'o',
		'd', 'e', 0xa1, 'a'}
	ca := config("a", ta, &delegate{name: "a", broadcast: [][]byte{joinIntent[1:]}})
	cb := config("b", tb, &delegate{name: "b"})
	ca.Keyring = keyring([][]byte{keyA, keyB})
	cb.Keyring = keyring([][]byte{keyB, keyA})
	for _, c := range []*memberlist.Config{ca, cb} {
		c.ProtocolVersion = pv
		c.Ping = pinger{}
		c.ProbeInterval = 200 * time.Millisecond
		c.ProbeTimeout = 100 * time.Millisecond
		c.GossipInterval = 20 * time.Millisecond
		c.PushPullInterval = 150 * time.Millisecond
	}
	a, err := memberlist.Create(ca)
	if err != nil {
		panic(err)
	}
	b, err := memberlist.Create(cb)
	if err != nil {
		panic(err)
	}
	if _, err := b.Join([]string{"a/" + a.LocalNode().Address()}); err != nil {
		panic(err)
	}
	time.Sleep(1000 * time.Millisecond)
	leaveErr := ""
	if err := a.Leave(3 * time.Second); err != nil {
		leaveErr = err.Error()
	}
	time.Sleep(100 * time.Millisecond)
	a.Shutdown()
	b.Shutdown()
	printJSON(obj{"records": rec.all(), "leave_error": leaveErr})
}

// logBuffer collects memberlist's log so the test can wait for a line and print them all.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(b)
}

func (l *logBuffer) contains(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Contains(l.buf.String(), s)
}

// The [ERR] and [WARN] lines, without their timestamps.
func (l *logBuffer) problems() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := []string{}
	for _, line := range strings.Split(l.buf.String(), "\n") {
		if i := strings.Index(line, "[ERR]"); i >= 0 {
			out = append(out, line[i:])
		} else if i := strings.Index(line, "[WARN]"); i >= 0 {
			out = append(out, line[i:])
		}
	}
	return out
}

// The inject mode with a keyring: "rumor" (127.0.0.1:2) speaks to "go" (127.0.0.1:1).
func securityInject(keys [][]byte) {
	var network memberlist.MockNetwork
	d := &delegate{name: "go"}
	ev := &events{}
	logs := &logBuffer{}
	c := config("go", network.NewTransport("go"), d)
	c.Events = ev
	c.Keyring = keyring(keys)
	c.LogOutput = logs
	c.ProbeInterval = time.Hour // never probe "rumor", which does not answer
	m, err := memberlist.Create(c)
	if err != nil {
		panic(err)
	}
	goAddr := memberlist.Address{Addr: m.LocalNode().Address(), Name: "go"}
	us := network.NewTransport("rumor")
	var mu sync.Mutex
	received := []string{}
	go func() {
		for p := range us.PacketCh() {
			mu.Lock()
			received = append(received, hex.EncodeToString(p.Buf))
			mu.Unlock()
		}
	}()
	go func() {
		for c := range us.StreamCh() {
			c.Close()
		}
	}()
	replies := []string{}
	snapshots := [][]obj{}
	failures := []string{}
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		command, arg, _ := strings.Cut(sc.Text(), " ")
		switch command {
		case "":
		case "packet":
			b, _ := hex.DecodeString(arg)
			if _, err := us.WriteToAddress(b, goAddr); err != nil {
				failures = append(failures, "packet: "+err.Error())
			}
		case "stream":
			b, _ := hex.DecodeString(arg)
			conn, err := us.DialAddressTimeout(goAddr, time.Second)
			if err != nil {
				failures = append(failures, "dial: "+err.Error())
				continue
			}
			conn.SetDeadline(time.Now().Add(5 * time.Second))
			go conn.Write(b)
			reply, _ := io.ReadAll(conn)
			conn.Close()
			replies = append(replies, hex.EncodeToString(reply))
		case "wait_members":
			n, _ := strconv.Atoi(arg)
			if !waitFor(func() bool { return len(m.Members()) >= n }) {
				failures = append(failures, "timed out waiting for members "+arg)
			}
		case "wait_gone":
			if !waitFor(func() bool {
				for _, n := range m.Members() {
					if n.Name == arg {
						return false
					}
				}
				return true
			}) {
				failures = append(failures, "timed out waiting for "+arg+" to go")
			}
		case "wait_user":
			n, _ := strconv.Atoi(arg)
			if !waitFor(func() bool { return d.userMsgs() >= n }) {
				failures = append(failures, "timed out waiting for user messages "+arg)
			}
		case "wait_packets":
			n, _ := strconv.Atoi(arg)
			if !waitFor(func() bool { mu.Lock(); defer mu.Unlock(); return len(received) >= n }) {
				failures = append(failures, "timed out waiting for packets "+arg)
			}
		case "wait_log":
			if !waitFor(func() bool { return logs.contains(arg) }) {
				failures = append(failures, "timed out waiting for the log line "+arg)
			}
		case "snapshot":
			snapshots = append(snapshots, membersJSON(m))
		default:
			failures = append(failures, "unknown command "+command)
		}
	}
	m.Shutdown()
	mu.Lock()
	defer mu.Unlock()
	d.mu.Lock()
	defer d.mu.Unlock()
	ev.mu.Lock()
	defer ev.mu.Unlock()
	msgs := []interface{}{}
	for _, b := range d.msgs {
		msgs = append(msgs, hexOrNil(b))
	}
	merged := []interface{}{}
	for _, b := range d.merged {
		merged = append(merged, hexOrNil(b))
	}
	printJSON(obj{"snapshots": snapshots, "user_msgs": msgs, "merged_states": merged,
		"packets": received, "replies": replies, "events": ev.log, "failures": failures,
		"log": logs.problems()})
}
