// The "coordinate" mode: Serf's real Vivaldi client (github.com/hashicorp/serf/coordinate) and
// its ping-ack payload, for tests/interop/coordinate_golden_test.cc.
//
//	memberlist_golden coordinate   reads one JSON script on stdin and prints one JSON document
//
// The script names some nodes, each with its own coordinate.Client (DefaultConfig), and a list
// of steps, run in order:
//
//	{"op":"set","node":i,"payload":HEX}          decode an ack payload, SetCoordinate
//	{"op":"ping","node":i,"peer":j,"rtt_ns":N}   i pings j: j's AckPayload, decoded as Serf's
//	                                             ping delegate does, then i.Update(j, coord, N)
//	{"op":"update","node":i,"name":S,"payload":HEX,"rtt_ns":N}
//	                                             i.Update(S, decoded payload, N)
//	{"op":"forget","node":i,"name":S}            i.ForgetNode(S)
//	{"op":"decode","payload":HEX}                only decode, as NotifyPingComplete does
//
// Each step prints {"error": "" or Go's message, "coord": node i's coordinate afterwards (or
// the decoded one), "payload": Go's encoding of that coordinate behind the 0x01 version byte}.
// At the end "distances"[i][j] is i.DistanceTo(j's coordinate) in nanoseconds. Floats print as
// the 16 hex digits of their IEEE bits, so the comparison is exact and NaN survives JSON.
//
// Go's unitVectorAt draws from math/rand when two coordinates coincide; scripts must keep
// coordinates apart (distinct "set" steps first) so nothing here depends on that draw.
package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"time"

	"github.com/hashicorp/go-msgpack/codec"
	"github.com/hashicorp/serf/coordinate"
)

func init() { modes["coordinate"] = coordinateMode }

type coordStep struct {
	Op      string `json:"op"`
	Node    int    `json:"node"`
	Peer    int    `json:"peer"`
	Name    string `json:"name"`
	Payload string `json:"payload"`
	RttNs   int64  `json:"rtt_ns"`
}

type coordScript struct {
	Nodes []string    `json:"nodes"`
	Steps []coordStep `json:"steps"`
}

// coordAckPayload is serf's pingDelegate.AckPayload for a given coordinate.
func coordAckPayload(c *coordinate.Coordinate) []byte {
	var buf bytes.Buffer
	buf.WriteByte(1) // PingVersion
	enc := codec.NewEncoder(&buf, &codec.MsgpackHandle{})
	if err := enc.Encode(c); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// coordDecodePayload is the decoding half of serf's pingDelegate.NotifyPingComplete.
func coordDecodePayload(payload []byte) (*coordinate.Coordinate, error) {
	if len(payload) == 0 {
		return nil, fmt.Errorf("empty payload")
	}
	if payload[0] != 1 {
		return nil, fmt.Errorf("unsupported ping version: %v", payload[0])
	}
	var c coordinate.Coordinate
	dec := codec.NewDecoder(bytes.NewReader(payload[1:]), &codec.MsgpackHandle{})
	if err := dec.Decode(&c); err != nil {
		return nil, err
	}
	return &c, nil
}

func coordBits(f float64) string { return fmt.Sprintf("%016x", math.Float64bits(f)) }

func coordJSON(c *coordinate.Coordinate) interface{} {
	if c == nil {
		return nil
	}
	var vec []string
	if c.Vec != nil {
		vec = make([]string, len(c.Vec))
		for i, v := range c.Vec {
			vec[i] = coordBits(v)
		}
	}
	return obj{"Vec": vec, "Error": coordBits(c.Error), "Adjustment": coordBits(c.Adjustment),
		"Height": coordBits(c.Height)}
}

func coordHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// coordRun runs one step and returns the coordinate it reports and the error.
func coordRun(clients []*coordinate.Client, names []string, s coordStep) (*coordinate.Coordinate, error) {
	switch s.Op {
	case "decode":
		return coordDecodeStep(s)
	case "forget":
		clients[s.Node].ForgetNode(s.Name)
		return clients[s.Node].GetCoordinate(), nil
	case "set":
		c, err := coordDecodePayload(coordHex(s.Payload))
		if err == nil {
			err = clients[s.Node].SetCoordinate(c)
		}
		return clients[s.Node].GetCoordinate(), err
	case "ping":
		payload := coordAckPayload(clients[s.Peer].GetCoordinate())
		return coordUpdate(clients[s.Node], names[s.Peer], payload, s.RttNs)
	case "update":
		return coordUpdate(clients[s.Node], s.Name, coordHex(s.Payload), s.RttNs)
	}
	panic("unknown op " + s.Op)
}

func coordDecodeStep(s coordStep) (*coordinate.Coordinate, error) {
	c, err := coordDecodePayload(coordHex(s.Payload))
	return c, err
}

func coordUpdate(client *coordinate.Client, name string, payload []byte, rttNs int64) (*coordinate.Coordinate, error) {
	c, err := coordDecodePayload(payload)
	if err == nil {
		_, err = client.Update(name, c, time.Duration(rttNs))
	}
	return client.GetCoordinate(), err
}

func coordinateMode() {
	var script coordScript
	if err := json.NewDecoder(os.Stdin).Decode(&script); err != nil {
		panic(err)
	}
	clients := make([]*coordinate.Client, len(script.Nodes))
	for i := range clients {
		client, err := coordinate.NewClient(coordinate.DefaultConfig())
		if err != nil {
			panic(err)
		}
		clients[i] = client
	}
	steps := make([]obj, 0, len(script.Steps))
	for _, s := range script.Steps {
		c, err := coordRun(clients, script.Nodes, s)
		msg := ""
		if err != nil {
			msg = err.Error()
		}
		var payload interface{}
		if c != nil {
			payload = hex.EncodeToString(coordAckPayload(c))
		}
		steps = append(steps, obj{"error": msg, "coord": coordJSON(c), "payload": payload})
	}
	distances := make([][]int64, len(clients))
	for i := range clients {
		distances[i] = make([]int64, len(clients))
		for j := range clients {
			distances[i][j] = int64(clients[i].DistanceTo(clients[j].GetCoordinate()))
		}
	}
	printJSON(obj{"steps": steps, "distances": distances})
}
