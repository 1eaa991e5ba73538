// memberlist_golden: the real Go side of rumor's memberlist wire tests
// (tests/interop/memberlist_golden_test.cc). Built offline against the Debian sources of
// hashicorp/memberlist 0.2.2 and hashicorp/go-msgpack 0.5.5 (GOPATH=/usr/share/gocode,
// GO111MODULE=off). Every mode prints one JSON document on stdout.
//
//	memberlist_golden vectors   messages encoded by go-msgpack with codec.MsgpackHandle{}, using
//	                            copies of memberlist's own structs (net.go), plus compound and CRC
//	                            framing done the way memberlist does it, each with its Go value
//	memberlist_golden decode    reads "KIND HEX" lines on stdin (bytes rumor encoded) and prints
//	                            what go-msgpack decodes from each
//	memberlist_golden capture   runs two real memberlist instances on memberlist's MockNetwork
//	                            and prints every packet and stream they exchanged
//	memberlist_golden inject    runs one real memberlist ("go") and feeds it rumor's bytes as a
//	                            peer named "rumor" would, reading commands on stdin; prints what
//	                            memberlist made of them and what it sent back
//
// []byte values print as hex strings, Go nil slices as null.
package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-msgpack/codec"
	"github.com/hashicorp/memberlist"
)

// --- memberlist's wire structs, copied from net.go (field names and types are the wire) ---------

type ping struct {
	SeqNo      uint32
	Node       string
	SourceAddr []byte `codec:",omitempty"`
	SourcePort uint16 `codec:",omitempty"`
	SourceNode string `codec:",omitempty"`
}

type indirectPingReq struct {
	SeqNo      uint32
	Target     []byte
	Port       uint16
	Node       string
	Nack       bool
	SourceAddr []byte `codec:",omitempty"`
	SourcePort uint16 `codec:",omitempty"`
	SourceNode string `codec:",omitempty"`
}

type ackResp struct {
	SeqNo   uint32
	Payload []byte
}

type nackResp struct {
	SeqNo uint32
}

type errResp struct {
	Error string
}

type suspect struct {
	Incarnation uint32
	Node        string
	From        string
}

type alive struct {
	Incarnation uint32
	Node        string
	Addr        []byte
	Port        uint16
	Meta        []byte
	Vsn         []uint8
}

type dead struct {
	Incarnation uint32
	Node        string
	From        string
}

type pushPullHeader struct {
	Nodes        int
	UserStateLen int
	Join         bool
}

type userMsgHeader struct {
	UserMsgLen int
}

type pushNodeState struct {
	Name        string
	Addr        []byte
	Port        uint16
	Meta        []byte
	Incarnation uint32
	State       memberlist.NodeStateType
	Vsn         []uint8
}

// Message type bytes (net.go).
const (
	pingMsg         = 0
	indirectPingMsg = 1
	ackRespMsg      = 2
	suspectMsg      = 3
	aliveMsg        = 4
	deadMsg         = 5
	pushPullMsg     = 6
	compoundMsg     = 7
	userMsg         = 8
	nackRespMsg     = 11
	hasCrcMsg       = 12
	errMsg          = 13
)

// --- encoding as memberlist does it (util.go encode, makeCompoundMessage; net.go) --------------

func encode(msgType byte, in interface{}) []byte {
	buf := bytes.NewBuffer(nil)
	buf.WriteByte(msgType)
	hd := codec.MsgpackHandle{}
	enc := codec.NewEncoder(buf, &hd)
	if err := enc.Encode(in); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

func makeCompoundMessage(msgs [][]byte) []byte {
	buf := bytes.NewBuffer(nil)
	buf.WriteByte(uint8(compoundMsg))
	buf.WriteByte(uint8(len(msgs)))
	for _, m := range msgs {
		binary.Write(buf, binary.BigEndian, uint16(len(m)))
	}
	for _, m := range msgs {
		buf.Write(m)
	}
	return buf.Bytes()
}

// rawSendMsgPacket's CRC header.
func withCrc(msg []byte) []byte {
	header := make([]byte, 5, 5+len(msg))
	header[0] = byte(hasCrcMsg)
	binary.BigEndian.PutUint32(header[1:], crc32.ChecksumIEEE(msg))
	return append(header, msg...)
}

// sendLocalState's layout.
func encodePushPull(join bool, nodes []pushNodeState, user []byte) []byte {
	buf := bytes.NewBuffer(nil)
	buf.WriteByte(pushPullMsg)
	hd := codec.MsgpackHandle{}
	enc := codec.NewEncoder(buf, &hd)
	header := pushPullHeader{Nodes: len(nodes), UserStateLen: len(user), Join: join}
	if err := enc.Encode(&header); err != nil {
		panic(err)
	}
	for i := range nodes {
		if err := enc.Encode(&nodes[i]); err != nil {
			panic(err)
		}
	}
	if user != nil {
		buf.Write(user)
	}
	return buf.Bytes()
}

// sendUserMsg's layout.
func encodeUserStream(payload []byte) []byte {
	buf := bytes.NewBuffer(nil)
	buf.WriteByte(userMsg)
	hd := codec.MsgpackHandle{}
	enc := codec.NewEncoder(buf, &hd)
	if err := enc.Encode(&userMsgHeader{UserMsgLen: len(payload)}); err != nil {
		panic(err)
	}
	buf.Write(payload)
	return buf.Bytes()
}

// --- JSON views of the values -------------------------------------------------------------------

func hexOrNil(b []byte) interface{} {
	if b == nil {
		return nil
	}
	return hex.EncodeToString(b)
}

type obj = map[string]interface{}

func pingJSON(p ping) obj {
	return obj{"SeqNo": p.SeqNo, "Node": p.Node, "SourceAddr": hexOrNil(p.SourceAddr),
		"SourcePort": p.SourcePort, "SourceNode": p.SourceNode}
}
func indirectJSON(p indirectPingReq) obj {
	return obj{"SeqNo": p.SeqNo, "Target": hexOrNil(p.Target), "Port": p.Port, "Node": p.Node,
		"Nack": p.Nack, "SourceAddr": hexOrNil(p.SourceAddr), "SourcePort": p.SourcePort,
		"SourceNode": p.SourceNode}
}
func ackJSON(a ackResp) obj   { return obj{"SeqNo": a.SeqNo, "Payload": hexOrNil(a.Payload)} }
func nackJSON(n nackResp) obj { return obj{"SeqNo": n.SeqNo} }
func errJSON(e errResp) obj   { return obj{"Error": e.Error} }
func suspectJSON(s suspect) obj {
	return obj{"Incarnation": s.Incarnation, "Node": s.Node, "From": s.From}
}
func aliveJSON(a alive) obj {
	return obj{"Incarnation": a.Incarnation, "Node": a.Node, "Addr": hexOrNil(a.Addr),
		"Port": a.Port, "Meta": hexOrNil(a.Meta), "Vsn": hexOrNil(a.Vsn)}
}
func deadJSON(d dead) obj { return obj{"Incarnation": d.Incarnation, "Node": d.Node, "From": d.From} }
func stateJSON(s pushNodeState) obj {
	return obj{"Name": s.Name, "Addr": hexOrNil(s.Addr), "Port": s.Port, "Meta": hexOrNil(s.Meta),
		"Incarnation": s.Incarnation, "State": int(s.State), "Vsn": hexOrNil(s.Vsn)}
}
func pushPullJSON(join bool, nodes []pushNodeState, user []byte) obj {
	states := []obj{}
	for _, n := range nodes {
		states = append(states, stateJSON(n))
	}
	return obj{"Join": join, "Nodes": states, "UserState": hexOrNil(user)}
}

func printJSON(v interface{}) {
	out, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	os.Stdout.Write(out)
	os.Stdout.Write([]byte("\n"))
}

// --- vectors --------------------------------------------------------------------------------------

type vector struct {
	Name  string      `json:"name"`
	Kind  string      `json:"kind"`
	Hex   string      `json:"hex"`
	Value interface{} `json:"value"`
}

var serfVsn = []uint8{1, 5, 2, 2, 5, 5}
var tagsMeta = []byte{0xff, 0x82, 0xa4, 'r', 'o', 'l', 'e', 0xa3, 'w', 'e', 'b', 0xa2, 'd', 'c',
	0xa1, 'x'}

func repeat(b byte, n int) []byte { return bytes.Repeat([]byte{b}, n) }

func vectors() {
	var vs []vector
	add := func(name, kind string, b []byte, v interface{}) {
		vs = append(vs, vector{name, kind, hex.EncodeToString(b), v})
	}
	pings := map[string]ping{
		"ping_wire_example": {SeqNo: 1, Node: "b", SourceAddr: []byte{127, 0, 0, 1},
			SourcePort: 17946, SourceNode: "a"},
		"ping_minimal":    {SeqNo: 0},
		"ping_empty_addr": {SeqNo: 200, Node: "n", SourceAddr: []byte{}},
		"ping_extremes": {SeqNo: 4294967295, Node: strings.Repeat("n", 32),
			SourceAddr: repeat(0xfe, 16), SourcePort: 65535, SourceNode: strings.Repeat("s", 300)},
	}
	for _, name := range sortedKeys(pings) {
		p := pings[name]
		add(name, "ping", encode(pingMsg, &p), pingJSON(p))
	}
	indirects := map[string]indirectPingReq{
		"indirect_full": {SeqNo: 77, Target: []byte{10, 0, 0, 2}, Port: 7946, Node: "target",
			Nack: true, SourceAddr: []byte{10, 0, 0, 1}, SourcePort: 7947, SourceNode: "me"},
		"indirect_nil_target": {SeqNo: 128, Node: "t"},
	}
	for _, name := range sortedKeys(indirects) {
		p := indirects[name]
		add(name, "indirect_ping", encode(indirectPingMsg, &p), indirectJSON(p))
	}
	acks := map[string]ackResp{
		"ack_nil_payload":   {SeqNo: 255},
		"ack_empty_payload": {SeqNo: 256, Payload: []byte{}},
		"ack_coordinate":    {SeqNo: 65535, Payload: append([]byte{0x01}, repeat(0x3f, 129)...)},
		"ack_str32":         {SeqNo: 65536, Payload: repeat(0x5a, 70000)},
	}
	for _, name := range sortedKeys(acks) {
		a := acks[name]
		add(name, "ack", encode(ackRespMsg, &a), ackJSON(a))
	}
	n := nackResp{SeqNo: 70000}
	add("nack", "nack", encode(nackRespMsg, &n), nackJSON(n))
	s := suspect{Incarnation: 3, Node: "suspected", From: "accuser"}
	add("suspect", "suspect", encode(suspectMsg, &s), suspectJSON(s))
	alives := map[string]alive{
		"alive_serf_agent": {Incarnation: 1, Node: "agent-1", Addr: []byte{10, 0, 0, 5},
			Port: 7946, Meta: tagsMeta, Vsn: serfVsn},
		"alive_ipv6_nil_meta": {Incarnation: 4294967295, Node: "v6",
			Addr: append(repeat(0, 10), 0xff, 0xff, 192, 168, 1, 9), Port: 1},
		"alive_max_meta": {Incarnation: 2, Node: "big", Addr: []byte{1, 2, 3, 4}, Port: 80,
			Meta: repeat(0x55, 512), Vsn: []uint8{}},
	}
	for _, name := range sortedKeys(alives) {
		a := alives[name]
		add(name, "alive", encode(aliveMsg, &a), aliveJSON(a))
	}
	d := dead{Incarnation: 9, Node: "gone", From: "other"}
	add("dead", "dead", encode(deadMsg, &d), deadJSON(d))
	leave := dead{Incarnation: 2, Node: "leaver", From: "leaver"}
	add("dead_leave", "dead", encode(deadMsg, &leave), deadJSON(leave))
	e := errResp{Error: "Remote state is encrypted and encryption is not configured"}
	add("err", "err", encode(errMsg, &e), errJSON(e))
	long := errResp{Error: strings.Repeat("e", 70000)}
	add("err_str32", "err", encode(errMsg, &long), errJSON(long))

	states := []pushNodeState{
		{Name: "a", Addr: []byte{127, 0, 0, 1}, Port: 7946, Meta: tagsMeta, Incarnation: 1,
			State: memberlist.StateAlive, Vsn: serfVsn},
		{Name: "b", Addr: []byte{127, 0, 0, 2}, Port: 7947, Meta: []byte{}, Incarnation: 300,
			State: memberlist.StateSuspect, Vsn: serfVsn},
		{Name: "c", Addr: repeat(0, 16), Port: 0, Incarnation: 70000, State: memberlist.StateDead},
		{Name: strings.Repeat("d", 40), Addr: []byte{10, 1, 1, 1}, Port: 65535,
			Incarnation: 4294967295, State: memberlist.StateLeft, Vsn: serfVsn},
	}
	user := append([]byte{0x02, 0xdc, 0x02, 0x00}, repeat(0xc0, 512)...)
	add("push_pull_join", "push_pull", encodePushPull(true, states, user),
		pushPullJSON(true, states, user))
	add("push_pull_empty", "push_pull", encodePushPull(false, nil, nil),
		pushPullJSON(false, nil, nil))
	many := make([]pushNodeState, 200)
	for i := range many {
		many[i] = pushNodeState{Name: fmt.Sprintf("node-%03d", i), Addr: []byte{10, 0, byte(i / 256),
			byte(i)}, Port: uint16(7000 + i), Incarnation: uint32(i), Vsn: serfVsn}
	}
	add("push_pull_200", "push_pull", encodePushPull(false, many, repeat(0x07, 70000)),
		pushPullJSON(false, many, repeat(0x07, 70000)))

	joinIntent := []byte{0x01, 0x82, 0xa5, 'L', 'T', 'i', 'm', 'e', 0x01, 0xa4, 'N', 'o', 'd', 'e',
		0xa1, 'b'}
	add("user_stream", "user_stream", encodeUserStream(joinIntent), obj{"Payload": hexOrNil(joinIntent)})
	userPacket := append([]byte{userMsg}, joinIntent...)
	add("user_crc", "crc", withCrc(userPacket), obj{"Inner": hexOrNil(userPacket)})

	pg := ping{SeqNo: 5, Node: "b", SourceAddr: []byte{127, 0, 0, 1}, SourcePort: 7946,
		SourceNode: "a"}
	sus := suspect{Incarnation: 1, Node: "b", From: "a"}
	al := alives["alive_serf_agent"]
	parts := [][]byte{encode(pingMsg, &pg), encode(suspectMsg, &sus), encode(aliveMsg, &al),
		userPacket}
	partsHex := []interface{}{}
	for _, p := range parts {
		partsHex = append(partsHex, hexOrNil(p))
	}
	compound := makeCompoundMessage(parts)
	add("compound", "compound", compound, obj{"Parts": partsHex})
	add("compound_crc", "crc", withCrc(compound), obj{"Inner": hexOrNil(compound)})
	printJSON(obj{"vectors": vs})
}

func sortedKeys[T any](m map[string]T) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// --- decode ---------------------------------------------------------------------------------------

// decodeOne decodes one message (type byte included) the way memberlist's handlers do.
func decodeOne(kind string, b []byte) (interface{}, error) {
	if len(b) < 1 {
		return nil, fmt.Errorf("empty")
	}
	hd := codec.MsgpackHandle{}
	r := bytes.NewReader(b[1:])
	dec := codec.NewDecoder(r, &hd)
	switch kind {
	case "ping":
		var v ping
		err := dec.Decode(&v)
		return pingJSON(v), err
	case "indirect_ping":
		var v indirectPingReq
		err := dec.Decode(&v)
		return indirectJSON(v), err
	case "ack":
		var v ackResp
		err := dec.Decode(&v)
		return ackJSON(v), err
	case "nack":
		var v nackResp
		err := dec.Decode(&v)
		return nackJSON(v), err
	case "suspect":
		var v suspect
		err := dec.Decode(&v)
		return suspectJSON(v), err
	case "alive":
		var v alive
		err := dec.Decode(&v)
		return aliveJSON(v), err
	case "dead":
		var v dead
		err := dec.Decode(&v)
		return deadJSON(v), err
	case "err":
		var v errResp
		err := dec.Decode(&v)
		return errJSON(v), err
	case "push_pull":
		// readRemoteState
		var header pushPullHeader
		if err := dec.Decode(&header); err != nil {
			return nil, err
		}
		nodes := make([]pushNodeState, header.Nodes)
		for i := range nodes {
			if err := dec.Decode(&nodes[i]); err != nil {
				return nil, err
			}
		}
		var user []byte
		if header.UserStateLen > 0 {
			user = make([]byte, header.UserStateLen)
			if _, err := io.ReadFull(r, user); err != nil {
				return nil, err
			}
		}
		if r.Len() != 0 {
			return nil, fmt.Errorf("%d bytes after the push-pull", r.Len())
		}
		return pushPullJSON(header.Join, nodes, user), nil
	case "user_stream":
		// readUserMsg
		var header userMsgHeader
		if err := dec.Decode(&header); err != nil {
			return nil, err
		}
		user := make([]byte, header.UserMsgLen)
		if _, err := io.ReadFull(r, user); err != nil {
			return nil, err
		}
		return obj{"Payload": hexOrNil(user)}, nil
	}
	return nil, fmt.Errorf("unknown kind %q", kind)
}

func decodeMode() {
	var results []obj
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 2 {
			continue
		}
		b, err := hex.DecodeString(fields[1])
		if err != nil {
			panic(err)
		}
		v, err := decodeOne(fields[0], b)
		res := obj{"kind": fields[0], "value": v}
		if err != nil {
			res["error"] = err.Error()
		}
		results = append(results, res)
	}
	printJSON(obj{"decoded": results})
}

// --- two real memberlists on MockNetwork, every byte recorded ---------------------------------------

type record struct {
	Kind string `json:"kind"` // "packet" or "stream"
	From string `json:"from"`
	To   string `json:"to"`
	Hex  string `json:"hex"`
}

type recorder struct {
	mu   sync.Mutex
	recs []record
}

func (r *recorder) add(kind, from, to string, b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recs = append(r.recs, record{kind, from, to, hex.EncodeToString(b)})
}

func (r *recorder) all() []record {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]record(nil), r.recs...)
}

// recConn records everything written on one side of a stream, as one record when it closes.
type recConn struct {
	net.Conn
	rec      *recorder
	from, to string
	mu       sync.Mutex
	buf      bytes.Buffer
	once     sync.Once
}

func (c *recConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	c.buf.Write(b)
	c.mu.Unlock()
	return c.Conn.Write(b)
}

func (c *recConn) Close() error {
	c.once.Do(func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.buf.Len() > 0 {
			c.rec.add("stream", c.from, c.to, c.buf.Bytes())
		}
	})
	return c.Conn.Close()
}

type recTransport struct {
	*memberlist.MockTransport
	name     string
	rec      *recorder
	streamCh chan net.Conn
}

func newRecTransport(n *memberlist.MockNetwork, name string, rec *recorder) *recTransport {
	t := &recTransport{MockTransport: n.NewTransport(name), name: name, rec: rec,
		streamCh: make(chan net.Conn)}
	go func() {
		for c := range t.MockTransport.StreamCh() {
			t.streamCh <- &recConn{Conn: c, rec: rec, from: name, to: "dialer"}
		}
	}()
	return t
}

func (t *recTransport) WriteToAddress(b []byte, a memberlist.Address) (time.Time, error) {
	t.rec.add("packet", t.name, a.Name, b)
	return t.MockTransport.WriteToAddress(b, a)
}

func (t *recTransport) WriteTo(b []byte, addr string) (time.Time, error) {
	return t.WriteToAddress(b, memberlist.Address{Addr: addr})
}

func (t *recTransport) DialAddressTimeout(a memberlist.Address, d time.Duration) (net.Conn, error) {
	c, err := t.MockTransport.DialAddressTimeout(a, d)
	if err != nil {
		return nil, err
	}
	return &recConn{Conn: c, rec: t.rec, from: t.name, to: a.Name}, nil
}

func (t *recTransport) DialTimeout(addr string, d time.Duration) (net.Conn, error) {
	return t.DialAddressTimeout(memberlist.Address{Addr: addr}, d)
}

func (t *recTransport) StreamCh() <-chan net.Conn { return t.streamCh }

// delegate: tags in Meta, some user state, one user broadcast, and a coordinate-like ack payload.
type delegate struct {
	mu        sync.Mutex
	name      string
	broadcast [][]byte
	msgs      [][]byte
	merged    [][]byte
}

func (d *delegate) NodeMeta(limit int) []byte { return tagsMeta }
func (d *delegate) NotifyMsg(b []byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.msgs = append(d.msgs, append([]byte(nil), b...))
}
func (d *delegate) GetBroadcasts(overhead, limit int) [][]byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := d.broadcast
	d.broadcast = nil
	return out
}
func (d *delegate) LocalState(join bool) []byte { return []byte("state-of-" + d.name) }
func (d *delegate) MergeRemoteState(buf []byte, join bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.merged = append(d.merged, append([]byte(nil), buf...))
}
func (d *delegate) userMsgs() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.msgs)
}

type pinger struct{}

func (pinger) AckPayload() []byte                                         { return append([]byte{0x01}, repeat(0x3f, 40)...) }
func (pinger) NotifyPingComplete(*memberlist.Node, time.Duration, []byte) {}

func config(name string, t memberlist.Transport, d memberlist.Delegate) *memberlist.Config {
	c := memberlist.DefaultLocalConfig()
	c.Name = name
	c.Transport = t
	c.Delegate = d
	c.DelegateProtocolVersion = 5
	c.DelegateProtocolMin = 2
	c.DelegateProtocolMax = 5
	c.EnableCompression = false // LZW is not decodable by rumor yet
	c.LogOutput = io.Discard
	return c
}

func capture() {
	var network memberlist.MockNetwork
	rec := &recorder{}
	ta := newRecTransport(&network, "a", rec)
	tb := newRecTransport(&network, "b", rec)
	joinIntent := []byte{userMsg, 0x01, 0x82, 0xa5, 'L', 'T', 'i', 'm', 'e', 0x01, 0xa4, 'N', 'o',
		'd', 'e', 0xa1, 'a'}
	ca := config("a", ta, &delegate{name: "a", broadcast: [][]byte{joinIntent[1:]}})
	cb := config("b", tb, &delegate{name: "b"})
	for _, c := range []*memberlist.Config{ca, cb} {
		c.Ping = pinger{}
		// Short enough for several probes, long enough that a loaded machine does not make the
		// two suspect each other.
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
	// Long enough for probes, gossip with piggybacked alives, periodic push-pulls.
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

// --- a real memberlist fed by rumor ------------------------------------------------------------

type events struct {
	mu  sync.Mutex
	log []string
}

func (e *events) add(s string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.log = append(e.log, s)
}
func (e *events) NotifyJoin(n *memberlist.Node)   { e.add("join " + n.Name) }
func (e *events) NotifyLeave(n *memberlist.Node)  { e.add("leave " + n.Name) }
func (e *events) NotifyUpdate(n *memberlist.Node) { e.add("update " + n.Name) }

func membersJSON(m *memberlist.Memberlist) []obj {
	out := []obj{}
	for _, n := range m.Members() {
		out = append(out, obj{"Name": n.Name, "Addr": hexOrNil(n.Addr), "Port": n.Port,
			"Meta": hexOrNil(n.Meta), "State": int(n.State),
			"Vsn": hexOrNil([]byte{n.PMin, n.PMax, n.PCur, n.DMin, n.DMax, n.DCur})})
	}
	sort.Slice(out, func(i, j int) bool { return out[i]["Name"].(string) < out[j]["Name"].(string) })
	return out
}

func waitFor(cond func() bool) bool {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(5 * time.Millisecond)
	}
	return false
}

func inject() {
	var network memberlist.MockNetwork
	d := &delegate{name: "go"}
	ev := &events{}
	c := config("go", network.NewTransport("go"), d)
	c.Events = ev
	c.ProbeInterval = time.Hour // never probe "rumor", which does not answer
	m, err := memberlist.Create(c)
	if err != nil {
		panic(err)
	}
	goAddr := memberlist.Address{Addr: m.LocalNode().Address(), Name: "go"}
	us := network.NewTransport("rumor")
	var mu sync.Mutex
	var received []string
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
	var replies []string
	var snapshots [][]obj
	var failures []string
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		arg := ""
		if len(fields) > 1 {
			arg = fields[1]
		}
		switch fields[0] {
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
		case "snapshot":
			snapshots = append(snapshots, membersJSON(m))
		default:
			failures = append(failures, "unknown command "+fields[0])
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
		"packets": received, "replies": replies, "events": ev.log, "failures": failures})
}

// modes maps each mode name to its function. Files beside this one (lzw.go, ...) add theirs
// in an init function.
var modes = map[string]func(){
	"vectors": vectors,
	"decode":  decodeMode,
	"capture": capture,
	"inject":  inject,
}

func main() {
	if len(os.Args) < 2 || modes[os.Args[1]] == nil {
		names := make([]string, 0, len(modes))
		for name := range modes {
			names = append(names, name)
		}
		sort.Strings(names)
		fmt.Fprintln(os.Stderr, "usage: memberlist_golden "+strings.Join(names, "|")+" [ARGS...]")
		os.Exit(2)
	}
	modes[os.Args[1]]()
}
