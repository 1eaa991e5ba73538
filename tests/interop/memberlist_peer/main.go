// memberlist_peer: a small cluster of real HashiCorp memberlist nodes (Debian's
// golang-github-hashicorp-memberlist-dev, 0.2.2) in one process, for
// tests/interop/memberlist_interop_test.py to join with rumor agents.
//
// It starts --nodes memberlists named g1..gN on 127.0.0.1 ports --base-port.. (UDP and TCP on
// one port) with DefaultLANConfig, optionally with an encryption key (--key, base64) and with
// compression on or off (--compress), joins the first to --join if given and the others to the
// first, and serves GET /members on 127.0.0.1:--http: a JSON object mapping each node's name
// to the sorted names of the members it sees (memberlist's Members(): alive and suspect). It runs
// until killed. A bad flag or a bind failure is one line on stderr and exit 1. The nodes have no
// delegate (no Serf messages are understood) but announce Serf's delegate protocol range.
package main

import (
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"sort"
	"strconv"

	"github.com/hashicorp/memberlist"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "memberlist_peer: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	nodes := flag.Int("nodes", 3, "memberlist nodes in this process")
	basePort := flag.Int("base-port", 0, "port of g1; g2.. take the next ones")
	key := flag.String("key", "", "encryption key, base64 (16, 24 or 32 bytes); empty: none")
	compress := flag.Bool("compress", true, "LZW-compress what is sent (memberlist's default)")
	join := flag.String("join", "", "address for g1 to join, host:port; empty: none")
	httpPort := flag.Int("http", 0, "port of the GET /members endpoint")
	verbose := flag.Bool("verbose", false, "memberlist's log on stderr")
	serfProtocol := flag.Int("serf-protocol", 5,
		"the Serf (delegate) protocol announced; above 5 a future Serf: N..N, which no Serf 2..5 accepts")
	flag.Parse()
	if *nodes < 1 || *basePort < 1 || *basePort+*nodes > 65536 || *httpPort < 1 {
		fail("need --nodes >= 1, --base-port and --http ports")
	}
	var secret []byte
	if *key != "" {
		var err error
		if secret, err = base64.StdEncoding.DecodeString(*key); err != nil {
			fail("--key: %v", err)
		}
	}
	var logOut io.Writer = io.Discard
	if *verbose {
		logOut = os.Stderr
	}
	var list []*memberlist.Memberlist
	for i := 0; i < *nodes; i++ {
		c := memberlist.DefaultLANConfig()
		c.Name = "g" + strconv.Itoa(i+1)
		c.BindAddr = "127.0.0.1"
		c.BindPort = *basePort + i
		c.AdvertiseAddr = "127.0.0.1"
		c.AdvertisePort = c.BindPort
		c.SecretKey = secret
		c.EnableCompression = *compress
		c.Logger = log.New(logOut, c.Name+" ", log.LstdFlags)
		// memberlist checks every member's delegate protocol range against the others'; a plain
		// memberlist announces 0..0, which no Serf node (2..5) accepts, and rumor agents are
		// Serf nodes. So these announce Serf's range, as a memberlist under Serf would.
		c.DelegateProtocolVersion = 5
		c.DelegateProtocolMin = 2
		c.DelegateProtocolMax = 5
		if *serfProtocol > 5 {
			v := uint8(*serfProtocol)
			c.DelegateProtocolVersion, c.DelegateProtocolMin, c.DelegateProtocolMax = v, v, v
		}
		m, err := memberlist.Create(c)
		if err != nil {
			fail("%s: %v", c.Name, err)
		}
		list = append(list, m)
	}
	if *join != "" {
		if _, err := list[0].Join([]string{*join}); err != nil {
			fail("g1 join %s: %v", *join, err)
		}
	}
	first := "127.0.0.1:" + strconv.Itoa(*basePort)
	for _, m := range list[1:] {
		if _, err := m.Join([]string{first}); err != nil {
			fail("join g1: %v", err)
		}
	}
	http.HandleFunc("/members", func(w http.ResponseWriter, r *http.Request) {
		view := map[string][]string{}
		for _, m := range list {
			var names []string
			for _, n := range m.Members() {
				names = append(names, n.Name)
			}
			sort.Strings(names)
			view[m.LocalNode().Name] = names
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(view)
	})
	if err := http.ListenAndServe("127.0.0.1:"+strconv.Itoa(*httpPort), nil); err != nil {
		fail("http: %v", err)
	}
}
