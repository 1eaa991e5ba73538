// serf.go: the Go side of rumor's Serf message codec tests
// (tests/interop/serf_messages_golden_test.cc, src/core/serf/serf_messages.h). Serf 0.9.4's
// message structs are unexported, so they are copied here from messages.go, serf.go,
// keymanager.go and internal_query.go with the same field names, types and (no) codec tags, and
// encoded and decoded exactly as Serf's encodeMessage, encodeRelayMessage, encodeFilter and
// decodeMessage do: go-msgpack with a plain codec.MsgpackHandle{}. Exported types (Member,
// MemberStatus, LamportTime) are Serf's own.
//
//	memberlist_golden serf-vectors  every Serf message type and both filter types encoded by Go,
//	                                each with its Go value as JSON; "exact" is false when the
//	                                value holds a Go map of two or more entries, which Go writes
//	                                in random order
//	memberlist_golden serf-decode   reads "KIND HEX" lines on stdin (bytes rumor encoded) and
//	                                prints what Serf's decoding makes of each
//	memberlist_golden serf-capture  three real Serf instances (serf.Create) on memberlist's
//	                                MockNetwork: joins, a user event, queries with filters, acks
//	                                and relayed responses, the internal conflict, install-key and
//	                                list-keys queries, push-pulls and a leave; prints every packet
//	                                and stream they exchanged
//
// []byte values print as hex strings, Go nil slices and maps as null.
package main

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-msgpack/codec"
	"github.com/hashicorp/memberlist"
	"github.com/hashicorp/serf/serf"
)

func init() {
	modes["serf-vectors"] = smVectors
	modes["serf-decode"] = smDecodeMode
	modes["serf-capture"] = smCapture
}

// --- Serf's wire structs (messages.go, serf.go, keymanager.go, internal_query.go) --------------

// messageType
const (
	smLeaveType uint8 = iota
	smJoinType
	smPushPullType
	smUserEventType
	smQueryType
	smQueryResponseType
	smConflictResponseType
	smKeyRequestType
	smKeyResponseType
	smRelayType
)

// filterType
const (
	smFilterNodeType uint8 = iota
	smFilterTagType
)

type smMessageJoin struct {
	LTime serf.LamportTime
	Node  string
}

type smMessageLeave struct {
	LTime serf.LamportTime
	Node  string
	Prune bool
}

type smMessagePushPull struct {
	LTime        serf.LamportTime
	StatusLTimes map[string]serf.LamportTime
	LeftMembers  []string
	EventLTime   serf.LamportTime
	Events       []*smUserEvents
	QueryLTime   serf.LamportTime
}

type smUserEvent struct {
	Name    string
	Payload []byte
}

type smUserEvents struct {
	LTime  serf.LamportTime
	Events []smUserEvent
}

type smMessageUserEvent struct {
	LTime   serf.LamportTime
	Name    string
	Payload []byte
	CC      bool
}

type smMessageQuery struct {
	LTime       serf.LamportTime
	ID          uint32
	Addr        []byte
	Port        uint16
	SourceNode  string
	Filters     [][]byte
	Flags       uint32
	RelayFactor uint8
	Timeout     time.Duration
	Name        string
	Payload     []byte
}

type smFilterNode []string

type smFilterTag struct {
	Tag  string
	Expr string
}

type smMessageQueryResponse struct {
	LTime   serf.LamportTime
	ID      uint32
	From    string
	Flags   uint32
	Payload []byte
}

type smKeyRequest struct {
	Key []byte
}

type smNodeKeyResponse struct {
	Result     bool
	Message    string
	Keys       []string
	PrimaryKey string
}

type smRelayHeader struct {
	DestAddr net.UDPAddr
	DestName string
}

// --- encoding and decoding as Serf does it (messages.go) ------------------------------------------

func smEncodeMessage(t uint8, msg interface{}) []byte {
	buf := bytes.NewBuffer(nil)
	buf.WriteByte(t)
	handle := codec.MsgpackHandle{}
	if err := codec.NewEncoder(buf, &handle).Encode(msg); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

func smEncodeRelayMessage(t uint8, addr net.UDPAddr, nodeName string, msg interface{}) []byte {
	buf := bytes.NewBuffer(nil)
	handle := codec.MsgpackHandle{}
	encoder := codec.NewEncoder(buf, &handle)
	buf.WriteByte(smRelayType)
	if err := encoder.Encode(smRelayHeader{DestAddr: addr, DestName: nodeName}); err != nil {
		panic(err)
	}
	buf.WriteByte(t)
	if err := encoder.Encode(msg); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

func smEncodeFilter(f uint8, filt interface{}) []byte {
	buf := bytes.NewBuffer(nil)
	buf.WriteByte(f)
	handle := codec.MsgpackHandle{}
	if err := codec.NewEncoder(buf, &handle).Encode(filt); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

func smDecodeMessage(buf []byte, out interface{}) error {
	var handle codec.MsgpackHandle
	return codec.NewDecoder(bytes.NewReader(buf), &handle).Decode(out)
}

// --- JSON views of the values -------------------------------------------------------------------

func smLeaveJSON(m smMessageLeave) obj {
	return obj{"LTime": m.LTime, "Node": m.Node, "Prune": m.Prune}
}
func smJoinJSON(m smMessageJoin) obj { return obj{"LTime": m.LTime, "Node": m.Node} }

func smSlotJSON(s smUserEvents) obj {
	var events interface{}
	if s.Events != nil {
		list := []obj{}
		for _, e := range s.Events {
			list = append(list, obj{"Name": e.Name, "Payload": hexOrNil(e.Payload)})
		}
		events = list
	}
	return obj{"LTime": s.LTime, "Events": events}
}

func smPushPullJSON(m smMessagePushPull) obj {
	var events interface{}
	if m.Events != nil {
		slots := []interface{}{}
		for _, s := range m.Events {
			if s == nil {
				slots = append(slots, nil)
			} else {
				slots = append(slots, smSlotJSON(*s))
			}
		}
		events = slots
	}
	return obj{"LTime": m.LTime, "StatusLTimes": m.StatusLTimes, "LeftMembers": m.LeftMembers,
		"EventLTime": m.EventLTime, "Events": events, "QueryLTime": m.QueryLTime}
}

func smUserEventJSON(m smMessageUserEvent) obj {
	return obj{"LTime": m.LTime, "Name": m.Name, "Payload": hexOrNil(m.Payload), "CC": m.CC}
}

func smQueryJSON(m smMessageQuery) obj {
	var filters interface{}
	if m.Filters != nil {
		list := []interface{}{}
		for _, f := range m.Filters {
			list = append(list, hexOrNil(f))
		}
		filters = list
	}
	return obj{"LTime": m.LTime, "ID": m.ID, "Addr": hexOrNil(m.Addr), "Port": m.Port,
		"SourceNode": m.SourceNode, "Filters": filters, "Flags": m.Flags,
		"RelayFactor": m.RelayFactor, "Timeout": int64(m.Timeout), "Name": m.Name,
		"Payload": hexOrNil(m.Payload)}
}

func smResponseJSON(m smMessageQueryResponse) obj {
	return obj{"LTime": m.LTime, "ID": m.ID, "From": m.From, "Flags": m.Flags,
		"Payload": hexOrNil(m.Payload)}
}

func smMemberJSON(m *serf.Member) obj {
	if m == nil {
		return obj{"Member": nil}
	}
	return obj{"Member": obj{"Name": m.Name, "Addr": hexOrNil(m.Addr), "Port": m.Port,
		"Tags": m.Tags, "Status": int(m.Status), "ProtocolMin": m.ProtocolMin,
		"ProtocolMax": m.ProtocolMax, "ProtocolCur": m.ProtocolCur, "DelegateMin": m.DelegateMin,
		"DelegateMax": m.DelegateMax, "DelegateCur": m.DelegateCur}}
}

func smKeyRequestJSON(m smKeyRequest) obj { return obj{"Key": hexOrNil(m.Key)} }

func smKeyResponseJSON(m smNodeKeyResponse) obj {
	return obj{"Result": m.Result, "Message": m.Message, "Keys": m.Keys,
		"PrimaryKey": m.PrimaryKey}
}

func smRelayJSON(h smRelayHeader, inner []byte) obj {
	return obj{"DestAddr": obj{"IP": hexOrNil(h.DestAddr.IP), "Port": h.DestAddr.Port,
		"Zone": h.DestAddr.Zone}, "DestName": h.DestName, "Message": hexOrNil(inner)}
}

func smNodeFilterJSON(f smFilterNode) obj { return obj{"Nodes": []string(f)} }
func smTagFilterJSON(f smFilterTag) obj   { return obj{"Tag": f.Tag, "Expr": f.Expr} }

// --- vectors --------------------------------------------------------------------------------------

type smVector struct {
	Name  string      `json:"name"`
	Kind  string      `json:"kind"`
	Hex   string      `json:"hex"`
	Exact bool        `json:"exact"`
	Value interface{} `json:"value"`
}

func smVectors() {
	var vs []smVector
	add := func(name, kind string, b []byte, exact bool, v interface{}) {
		vs = append(vs, smVector{name, kind, hex.EncodeToString(b), exact, v})
	}

	leaves := map[string]smMessageLeave{
		"leave":       {LTime: 1, Node: "a"},
		"leave_prune": {LTime: 18446744073709551615, Node: strings.Repeat("l", 40), Prune: true},
	}
	for _, name := range sortedKeys(leaves) {
		m := leaves[name]
		add(name, "leave", smEncodeMessage(smLeaveType, &m), true, smLeaveJSON(m))
	}
	joins := map[string]smMessageJoin{
		"join_wire_example": {LTime: 1, Node: "b"},
		"join_zero":         {},
		"join_str16_name":   {LTime: 300, Node: strings.Repeat("j", 300)},
	}
	for _, name := range sortedKeys(joins) {
		m := joins[name]
		add(name, "join", smEncodeMessage(smJoinType, &m), true, smJoinJSON(m))
	}

	events := map[string]smMessageUserEvent{
		"user_event":               {LTime: 1, Name: "deploy", Payload: []byte("v1.2.3"), CC: true},
		"user_event_nil_payload":   {LTime: 2, Name: "ping"},
		"user_event_empty_payload": {LTime: 3, Name: "e", Payload: []byte{}},
		"user_event_9000":          {LTime: 65536, Name: strings.Repeat("n", 40), Payload: repeat(0x42, 9000)},
	}
	for _, name := range sortedKeys(events) {
		m := events[name]
		add(name, "user_event", smEncodeMessage(smUserEventType, &m), true, smUserEventJSON(m))
	}

	// A query as Serf.Query builds it (QueryParam.encodeFilters: the node filter, then one tag
	// filter per tag).
	nodeFilter := smEncodeFilter(smFilterNodeType, smFilterNode{"a", "b"})
	tagFilter := smEncodeFilter(smFilterTagType, &smFilterTag{"role", "^web"})
	queries := map[string]smMessageQuery{
		"query": {LTime: 4, ID: 2147483647, Addr: []byte{127, 0, 0, 1}, Port: 7946,
			SourceNode: "origin", Filters: [][]byte{nodeFilter, tagFilter}, Flags: 1,
			RelayFactor: 2, Timeout: 3200 * time.Millisecond, Name: "uptime",
			Payload: []byte("now?")},
		"query_zero":             {},
		"query_negative_timeout": {LTime: 1, Timeout: -5 * time.Second, Name: "q"},
		"query_empty_filters": {LTime: 2, Addr: net.ParseIP("::1"), Filters: [][]byte{},
			Flags: 3, Name: "q", Payload: []byte{}},
		"query_nil_filter": {LTime: 3, Filters: [][]byte{nil, {}}, Name: "q"},
	}
	for _, name := range sortedKeys(queries) {
		m := queries[name]
		add(name, "query", smEncodeMessage(smQueryType, &m), true, smQueryJSON(m))
	}

	responses := map[string]smMessageQueryResponse{
		"response_ack":    {LTime: 4, ID: 2147483647, From: "responder", Flags: 1},
		"response_answer": {LTime: 4, ID: 7, From: "responder", Payload: []byte("pong")},
		"response_empty":  {LTime: 5, ID: 8, From: "r", Payload: []byte{}},
	}
	for _, name := range sortedKeys(responses) {
		m := responses[name]
		add(name, "query_response", smEncodeMessage(smQueryResponseType, &m), true,
			smResponseJSON(m))
	}

	// internal_query.go's handleConflict encodes a *Member, nil for an unknown node.
	members := map[string]*serf.Member{
		"conflict_unknown": nil,
		"conflict_member": {Name: "web-1", Addr: net.IP{10, 0, 0, 9}, Port: 7946,
			Tags: map[string]string{"role": "web"}, Status: serf.StatusAlive, ProtocolMin: 1,
			ProtocolMax: 5, ProtocolCur: 2, DelegateMin: 2, DelegateMax: 5, DelegateCur: 4},
		"conflict_ipv6_no_tags": {Name: "v6", Addr: net.ParseIP("fe80::1"), Port: 1,
			Status: serf.StatusFailed},
		"conflict_empty_tags": {Name: "e", Tags: map[string]string{}, Status: serf.StatusLeft},
	}
	for _, name := range sortedKeys(members) {
		m := members[name]
		add(name, "conflict_response", smEncodeMessage(smConflictResponseType, m), true,
			smMemberJSON(m))
	}
	manyTags := &serf.Member{Name: "tagged", Addr: net.IP{10, 0, 0, 1}, Port: 7946,
		Tags: map[string]string{"role": "web", "dc": "x", "rack": "r1"}, Status: serf.StatusLeaving}
	add("conflict_many_tags", "conflict_response",
		smEncodeMessage(smConflictResponseType, manyTags), false, smMemberJSON(manyTags))

	keyRequests := map[string]smKeyRequest{
		"key_request_32":  {Key: repeat(0xab, 32)},
		"key_request_16":  {Key: repeat(0x01, 16)},
		"key_request_nil": {},
	}
	for _, name := range sortedKeys(keyRequests) {
		m := keyRequests[name]
		// keymanager.go's handleKeyRequest encodes a keyRequest value, not a pointer.
		add(name, "key_request", smEncodeMessage(smKeyRequestType, m), true, smKeyRequestJSON(m))
	}
	keyResponses := map[string]smNodeKeyResponse{
		"key_response_list": {Result: true, Keys: []string{"a2V5MQ==", "a2V5Mg=="},
			PrimaryKey: "a2V5MQ=="},
		"key_response_error": {Message: "No keyring to modify (encryption not enabled)"},
		"key_response_empty": {Result: true, Keys: []string{}},
	}
	for _, name := range sortedKeys(keyResponses) {
		m := keyResponses[name]
		add(name, "key_response", smEncodeMessage(smKeyResponseType, &m), true,
			smKeyResponseJSON(m))
	}

	// query.go's relayResponse: a query response (passed as **messageQueryResponse) relayed to
	// the querier.
	relayed := &smMessageQueryResponse{LTime: 4, ID: 9, From: "c", Payload: []byte("pong")}
	relays := map[string]net.UDPAddr{
		"relay_ipv4":      {IP: net.IP{127, 0, 0, 1}, Port: 7946},
		"relay_ipv4_in_6": {IP: net.ParseIP("10.0.0.2"), Port: 65535},
		"relay_zone":      {IP: net.ParseIP("fe80::2"), Port: 1, Zone: "eth0"},
		"relay_nil_ip":    {Port: -1},
	}
	for _, name := range sortedKeys(relays) {
		addr := relays[name]
		b := smEncodeRelayMessage(smQueryResponseType, addr, "querier", &relayed)
		inner := smEncodeMessage(smQueryResponseType, relayed)
		add(name, "relay", b, true, smRelayJSON(smRelayHeader{addr, "querier"}, inner))
	}

	// delegate.go's LocalState: the whole 512-slot ring, nil where no event was seen.
	ring := make([]*smUserEvents, 512)
	ring[1] = &smUserEvents{LTime: 1, Events: []smUserEvent{{Name: "deploy", Payload: []byte("v1")}}}
	ring[2] = &smUserEvents{LTime: 514, Events: []smUserEvent{{Name: "a"}, {Name: "b",
		Payload: []byte{}}}}
	pushPulls := map[string]smMessagePushPull{
		"push_pull_idle": {LTime: 2, StatusLTimes: map[string]serf.LamportTime{"a": 1},
			LeftMembers: []string{}, EventLTime: 1, Events: make([]*smUserEvents, 512),
			QueryLTime: 1},
		"push_pull_events": {LTime: 9, StatusLTimes: map[string]serf.LamportTime{"b": 70000},
			LeftMembers: []string{"c"}, EventLTime: 515, Events: ring, QueryLTime: 3},
		"push_pull_zero": {},
	}
	for _, name := range sortedKeys(pushPulls) {
		m := pushPulls[name]
		add(name, "push_pull", smEncodeMessage(smPushPullType, &m), true, smPushPullJSON(m))
	}
	crowd := smMessagePushPull{LTime: 7, StatusLTimes: map[string]serf.LamportTime{"a": 1, "b": 2,
		"c": 3, "d": 4}, LeftMembers: []string{"c", "d"}, EventLTime: 1,
		Events: make([]*smUserEvents, 512), QueryLTime: 1}
	add("push_pull_members", "push_pull", smEncodeMessage(smPushPullType, &crowd), false,
		smPushPullJSON(crowd))

	nodeFilters := map[string]smFilterNode{
		"node_filter_wire_example": {"a"},
		"node_filter_nil":          nil,
		"node_filter_empty":        {},
		"node_filter_many":         {"alpha", "beta", strings.Repeat("g", 40)},
	}
	for _, name := range sortedKeys(nodeFilters) {
		f := nodeFilters[name]
		add(name, "node_filter", smEncodeFilter(smFilterNodeType, f), true, smNodeFilterJSON(f))
	}
	tagFilters := map[string]smFilterTag{
		"tag_filter_wire_example": {Tag: "role", Expr: "web"},
		"tag_filter_regex":        {Tag: "dc", Expr: "^(eu|us)-[0-9]+$"},
	}
	for _, name := range sortedKeys(tagFilters) {
		f := tagFilters[name]
		add(name, "tag_filter", smEncodeFilter(smFilterTagType, &f), true, smTagFilterJSON(f))
	}
	printJSON(obj{"vectors": vs})
}

// --- decode ---------------------------------------------------------------------------------------

var smKindTypes = map[string]uint8{
	"leave": smLeaveType, "join": smJoinType, "push_pull": smPushPullType,
	"user_event": smUserEventType, "query": smQueryType, "query_response": smQueryResponseType,
	"conflict_response": smConflictResponseType, "key_request": smKeyRequestType,
	"key_response": smKeyResponseType, "relay": smRelayType,
	"node_filter": smFilterNodeType, "tag_filter": smFilterTagType,
}

// smDecodeOne decodes one message or filter (type byte included) as Serf's handlers do.
func smDecodeOne(kind string, b []byte) (interface{}, error) {
	want, ok := smKindTypes[kind]
	if !ok {
		return nil, fmt.Errorf("unknown kind %q", kind)
	}
	if len(b) < 1 {
		return nil, fmt.Errorf("empty")
	}
	if b[0] != want {
		return nil, fmt.Errorf("type byte %d, want %d", b[0], want)
	}
	body := b[1:]
	switch kind {
	case "leave":
		var v smMessageLeave
		err := smDecodeMessage(body, &v)
		return smLeaveJSON(v), err
	case "join":
		var v smMessageJoin
		err := smDecodeMessage(body, &v)
		return smJoinJSON(v), err
	case "push_pull":
		var v smMessagePushPull
		err := smDecodeMessage(body, &v)
		return smPushPullJSON(v), err
	case "user_event":
		var v smMessageUserEvent
		err := smDecodeMessage(body, &v)
		return smUserEventJSON(v), err
	case "query":
		var v smMessageQuery
		err := smDecodeMessage(body, &v)
		return smQueryJSON(v), err
	case "query_response":
		var v smMessageQueryResponse
		err := smDecodeMessage(body, &v)
		return smResponseJSON(v), err
	case "conflict_response":
		// Serf decodes into a Member value; a pointer shows a nil member as nil.
		var v *serf.Member
		err := smDecodeMessage(body, &v)
		return smMemberJSON(v), err
	case "key_request":
		var v smKeyRequest
		err := smDecodeMessage(body, &v)
		return smKeyRequestJSON(v), err
	case "key_response":
		var v smNodeKeyResponse
		err := smDecodeMessage(body, &v)
		return smKeyResponseJSON(v), err
	case "relay":
		// delegate.go's NotifyMsg: the header, then whatever is left is the inner message.
		var header smRelayHeader
		var handle codec.MsgpackHandle
		reader := bytes.NewReader(body)
		if err := codec.NewDecoder(reader, &handle).Decode(&header); err != nil {
			return nil, err
		}
		raw := make([]byte, reader.Len())
		reader.Read(raw)
		return smRelayJSON(header, raw), nil
	case "node_filter":
		var v smFilterNode
		err := smDecodeMessage(body, &v)
		return smNodeFilterJSON(v), err
	case "tag_filter":
		var v smFilterTag
		err := smDecodeMessage(body, &v)
		return smTagFilterJSON(v), err
	}
	return nil, fmt.Errorf("unknown kind %q", kind)
}

func smDecodeMode() {
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
		v, err := smDecodeOne(fields[0], b)
		res := obj{"kind": fields[0], "value": v}
		if err != nil {
			res["error"] = err.Error()
		}
		results = append(results, res)
	}
	printJSON(obj{"decoded": results})
}

// --- three real Serf instances on MockNetwork, every byte recorded ------------------------------

// smAsyncTransport delivers each packet from its own goroutine, as a UDP socket never blocks
// its sender. With MockNetwork's unbuffered channels, two Serf nodes whose packet handlers send
// to each other (query acks and responses go out from inside the handler) would deadlock.
type smAsyncTransport struct{ *recTransport }

func (t *smAsyncTransport) WriteToAddress(b []byte, a memberlist.Address) (time.Time, error) {
	c := append([]byte(nil), b...)
	go t.recTransport.WriteToAddress(c, a)
	return time.Now(), nil
}

func (t *smAsyncTransport) WriteTo(b []byte, addr string) (time.Time, error) {
	return t.WriteToAddress(b, memberlist.Address{Addr: addr})
}

func smCapture() {
	var network memberlist.MockNetwork
	rec := &recorder{}
	names := []string{"s0", "s1", "s2"}
	var agents []*serf.Serf
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for _, name := range names {
		mc := memberlist.DefaultLocalConfig()
		mc.Transport = &smAsyncTransport{newRecTransport(&network, name, rec)}
		mc.EnableCompression = false // LZW is not decodable by rumor yet
		mc.LogOutput = io.Discard
		// Probes are not what this capture is about: slow enough that a loaded machine does
		// not make the nodes suspect each other (a node that thinks itself alone sends no
		// leave intent).
		mc.ProbeInterval = 500 * time.Millisecond
		mc.ProbeTimeout = 400 * time.Millisecond
		mc.SuspicionMult = 8
		mc.GossipInterval = 20 * time.Millisecond
		mc.PushPullInterval = 150 * time.Millisecond
		conf := serf.DefaultConfig()
		conf.NodeName = name
		conf.MemberlistConfig = mc
		conf.Tags = map[string]string{"role": "r-" + name} // one tag: Go's map order is moot
		conf.LogOutput = io.Discard
		events := make(chan serf.Event, 256)
		conf.EventCh = events
		s, err := serf.Create(conf)
		if err != nil {
			panic(err)
		}
		agents = append(agents, s)
		// Answer every user query, so responses (and their relays) go on the wire.
		wg.Add(1)
		go func(name string) {
			defer wg.Done()
			for {
				select {
				case e := <-events:
					if q, ok := e.(*serf.Query); ok {
						q.Respond([]byte("pong from " + name))
					}
				case <-stop:
					return
				}
			}
		}(name)
	}
	addr := func(i int) string {
		return names[i] + "/" + agents[i].Memberlist().LocalNode().Address()
	}
	for i := 1; i < len(agents); i++ {
		if _, err := agents[i].Join([]string{addr(0)}, false); err != nil {
			panic(err)
		}
	}
	waitFor(func() bool {
		for _, s := range agents {
			if s.NumNodes() != len(agents) {
				return false
			}
		}
		return true
	})
	failures := []string{}
	check := func(what string, err error) {
		if err != nil {
			failures = append(failures, what+": "+err.Error())
		}
	}
	drain := func(resp *serf.QueryResponse, err error) {
		if err != nil {
			return
		}
		for range resp.ResponseCh() {
		}
	}

	check("user event", agents[0].UserEvent("deploy", []byte("v1.2.3"), true))
	params := agents[1].DefaultQueryParams()
	params.FilterNodes = []string{"s0", "s2"}
	params.FilterTags = map[string]string{"role": "^r-s"}
	params.RequestAck = true
	params.RelayFactor = 1
	resp, err := agents[1].Query("uptime", []byte("now?"), params)
	check("query", err)
	drain(resp, err)
	// The internal queries: conflict resolution answers with a Member (or nil for an unknown
	// node); the key manager's queries carry a keyRequest and are answered with a
	// nodeKeyResponse, here an error since encryption is off.
	resp, err = agents[2].Query("_serf_conflict", []byte("s0"), nil)
	check("conflict query", err)
	drain(resp, err)
	resp, err = agents[2].Query("_serf_conflict", []byte("nobody"), nil)
	check("conflict query", err)
	drain(resp, err)
	// Every node reports failure ("No keyring to modify"): that answer is what we want on the
	// wire, so these errors are expected.
	agents[0].KeyManager().InstallKey("5K9OtfP7efFrNKe5WCQvXvnaXJ5cWP0SvXiwe0kkjM4=")
	agents[0].KeyManager().ListKeys()
	// Let push-pulls carry the event ring and the member clocks.
	time.Sleep(400 * time.Millisecond)
	check("leave", agents[2].Leave())
	time.Sleep(300 * time.Millisecond)
	close(stop)
	for _, s := range agents {
		s.Shutdown()
	}
	wg.Wait()
	printJSON(obj{"records": rec.all(), "failures": failures})
}
