// memberlist_harness: HashiCorp memberlist's side of the rumor-versus-memberlist benchmark
// (bench/versus/run.py runs it beside rumor_cluster and prints both in one table).
//
// It starts N memberlist nodes in this one process on 127.0.0.1 ports P..P+N-1 (UDP and TCP on
// the same port) with memberlist.DefaultLANConfig(), names "n0".."n{N-1}", and measures:
//
//  1. converge_s: from the moment the nodes but n0 start joining n0 (at most --join-parallel
//     blocking Joins at once, default 64; 0: all at once) until every node sees all N alive,
//     counted from the EventDelegate's NotifyJoin/NotifyLeave (atomic counters, no polling of
//     member lists);
//  2. over --steady-s seconds right after that: cpu_pct (user+system CPU of this process over
//     wall time, in % of one core), bytes_per_node_s (every UDP payload and TCP stream byte
//     written by any node, counted in a wrapping Transport, / N / window), and peak_rss_mib
//     (VmHWM at the end of the window; rss_end_mib is VmRSS then, without the join's peak);
//  3. detect_s: from Shutdown() of one node that is not the seed (no Leave) until every
//     survivor that had it alive has marked it failed (NotifyLeave).
//
// It prints one JSON line and exits 0; only a harness error (a bind failure, a bad flag) exits
// non-zero with a one-line message. rumor_cluster.cc measures rumor exactly the same way, so
// the two lines compare like for like. memberlist's logger is silenced so logging does not
// count as protocol CPU.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hashicorp/memberlist"
)

// bytesSent counts every byte any node writes: UDP payloads and TCP stream bytes, both ways
// of a stream (the dialer's request and the listener's reply), as rumor's SwimStats do.
var bytesSent atomic.Int64

// packetsSent counts UDP datagrams written by any node.
var packetsSent atomic.Int64

// countingTransport is memberlist's own NetTransport with every write counted. memberlist
// uses the NodeAwareTransport methods when a transport has them, so those are wrapped too.
type countingTransport struct {
	*memberlist.NetTransport
	streams chan net.Conn
	done    chan struct{}
}

func newCountingTransport(port int, logger *log.Logger) (*countingTransport, error) {
	nt, err := memberlist.NewNetTransport(&memberlist.NetTransportConfig{
		BindAddrs: []string{"127.0.0.1"},
		BindPort:  port,
		Logger:    logger,
	})
	if err != nil {
		return nil, err
	}
	t := &countingTransport{NetTransport: nt, streams: make(chan net.Conn), done: make(chan struct{})}
	// Accepted streams get wrapped on their way to memberlist, so replies are counted.
	go func() {
		for {
			select {
			case c := <-nt.StreamCh():
				select {
				case t.streams <- &countingConn{Conn: c}:
				case <-t.done:
					c.Close()
					return
				}
			case <-t.done:
				return
			}
		}
	}()
	return t, nil
}

func (t *countingTransport) WriteTo(b []byte, addr string) (time.Time, error) {
	return t.WriteToAddress(b, memberlist.Address{Addr: addr})
}

func (t *countingTransport) WriteToAddress(b []byte, a memberlist.Address) (time.Time, error) {
	ts, err := t.NetTransport.WriteToAddress(b, a)
	if err == nil {
		bytesSent.Add(int64(len(b)))
		packetsSent.Add(1)
	}
	return ts, err
}

func (t *countingTransport) DialTimeout(addr string, timeout time.Duration) (net.Conn, error) {
	return t.DialAddressTimeout(memberlist.Address{Addr: addr}, timeout)
}

func (t *countingTransport) DialAddressTimeout(a memberlist.Address, timeout time.Duration) (net.Conn, error) {
	c, err := t.NetTransport.DialAddressTimeout(a, timeout)
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c}, nil
}

func (t *countingTransport) StreamCh() <-chan net.Conn { return t.streams }

// Shutdown stops the listeners first: one may be handing over a stream, which the forwarder
// must still pass on (memberlist reads streams until after its transport has shut down).
func (t *countingTransport) Shutdown() error {
	err := t.NetTransport.Shutdown()
	close(t.done)
	return err
}

type countingConn struct{ net.Conn }

func (c *countingConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	bytesSent.Add(int64(n))
	return n, err
}

// cluster holds the counters the event delegates update. A node has a full view when it sees
// all N members alive (itself included: memberlist notifies a node of its own join).
type cluster struct {
	n         int
	victim    int
	views     []atomic.Int32 // alive members each node sees
	fullViews atomic.Int32   // nodes whose view is full
	converged chan struct{}
	convOnce  sync.Once
	convAt    atomic.Int64 // ns since t0 at convergence
	t0        time.Time

	// The victim as each node sees it: alive or not, and whether it was marked failed after
	// the kill.
	victimAlive []atomic.Bool
	killed      atomic.Bool
	expected    atomic.Int32 // survivors that had the victim alive at the kill
	detected    atomic.Int32
	detectedCh  chan struct{}
	detectOnce  sync.Once
	detectAt    atomic.Int64 // ns since the kill
	killAt      time.Time
	marked      []atomic.Bool
}

type events struct {
	c    *cluster
	self int
}

func nodeIndex(name string) int {
	i, err := strconv.Atoi(strings.TrimPrefix(name, "n"))
	if err != nil {
		return -1
	}
	return i
}

func (e *events) NotifyJoin(node *memberlist.Node) {
	c := e.c
	if nodeIndex(node.Name) == c.victim {
		c.victimAlive[e.self].Store(true)
	}
	if c.views[e.self].Add(1) == int32(c.n) {
		if c.fullViews.Add(1) == int32(c.n) {
			c.convOnce.Do(func() {
				c.convAt.Store(int64(time.Since(c.t0)))
				close(c.converged)
			})
		}
	}
}

func (e *events) NotifyLeave(node *memberlist.Node) {
	c := e.c
	if c.views[e.self].Add(-1) == int32(c.n)-1 {
		c.fullViews.Add(-1)
	}
	if nodeIndex(node.Name) != c.victim || e.self == c.victim {
		return
	}
	c.victimAlive[e.self].Store(false)
	if !c.killed.Load() || !c.marked[e.self].CompareAndSwap(false, true) {
		return
	}
	if c.detected.Add(1) == c.expected.Load() {
		c.detectOnce.Do(func() {
			c.detectAt.Store(int64(time.Since(c.killAt)))
			close(c.detectedCh)
		})
	}
}

func (e *events) NotifyUpdate(*memberlist.Node) {}

// cpuSeconds is this process's user + system CPU time so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// statusMiB is a field of /proc/self/status in MiB: VmHWM (the largest resident set so far)
// or VmRSS (now).
func statusMiB(field string) float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, field+":") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseFloat(f[1], 64)
				return kb / 1024
			}
		}
	}
	return 0
}

// result is the one JSON line; converge_s and detect_s are null when not reached, and
// full_views_end counts the full views at the end of the steady window (the cluster held).
type result struct {
	Impl            string   `json:"impl"`
	Nodes           int      `json:"nodes"`
	Converged       bool     `json:"converged"`
	ConvergeS       *float64 `json:"converge_s"`
	FullViews       int      `json:"full_views"`
	FullViewsEnd    int      `json:"full_views_end"`
	CPUPct          float64  `json:"cpu_pct"`
	PeakRSSMiB      float64  `json:"peak_rss_mib"`
	RSSEndMiB       float64  `json:"rss_end_mib"`
	BytesPerNodeS   float64  `json:"bytes_per_node_s"`
	PacketsPerNodeS float64  `json:"packets_per_node_s"`
	Detected        bool     `json:"detected"`
	DetectS         *float64 `json:"detect_s"`
	Note            string   `json:"note"`
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "memberlist_harness: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	nodes := flag.Int("nodes", 100, "cluster size")
	basePort := flag.Int("base-port", 20000, "first port; node i listens on base-port + i")
	steadyS := flag.Float64("steady-s", 30, "steady-state window in seconds")
	timeoutS := flag.Float64("timeout-s", 120, "give up on convergence, and on detection, after this long")
	// Not a LAN default: for telling how much of the byte count compression saves (rumor does
	// not compress).
	joinParallel := flag.Int("join-parallel", 64, "joins in flight at once; 0: all")
	noCompression := flag.Bool("no-compression", false, "turn memberlist's LZW compression off")
	flag.Parse()
	n := *nodes
	if n < 3 || *basePort < 1 || *basePort+n-1 > 65535 || *steadyS <= 0 || *timeoutS <= 0 || *joinParallel < 0 {
		fail("need --nodes >= 3, ports within 1..65535, --steady-s > 0, --timeout-s > 0 and --join-parallel >= 0")
	}
	parallel := *joinParallel
	if parallel == 0 {
		parallel = n
	}
	timeout := time.Duration(*timeoutS * float64(time.Second))

	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err == nil && lim.Cur < lim.Max {
		lim.Cur = lim.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	}

	c := &cluster{
		n:           n,
		victim:      n - 1,
		views:       make([]atomic.Int32, n),
		converged:   make(chan struct{}),
		victimAlive: make([]atomic.Bool, n),
		detectedCh:  make(chan struct{}),
		marked:      make([]atomic.Bool, n),
	}
	quiet := log.New(io.Discard, "", 0)
	members := make([]*memberlist.Memberlist, n)
	for i := 0; i < n; i++ {
		port := *basePort + i
		t, err := newCountingTransport(port, quiet)
		if err != nil {
			fail("node n%d: %v", i, err)
		}
		conf := memberlist.DefaultLANConfig()
		conf.Name = fmt.Sprintf("n%d", i)
		conf.BindAddr = "127.0.0.1"
		conf.BindPort = port
		conf.AdvertiseAddr = "127.0.0.1"
		conf.AdvertisePort = port
		conf.Transport = t
		conf.Logger = quiet
		conf.Events = &events{c: c, self: i}
		conf.EnableCompression = !*noCompression
		m, err := memberlist.Create(conf)
		if err != nil {
			fail("node n%d: %v", i, err)
		}
		members[i] = m
	}

	// Phase 1: everyone joins n0, at most `parallel` blocking Joins in flight.
	seed := []string{fmt.Sprintf("127.0.0.1:%d", *basePort)}
	var joinErrors atomic.Int32
	c.t0 = time.Now()
	go func() {
		slots := make(chan struct{}, parallel)
		for i := 1; i < n; i++ {
			slots <- struct{}{}
			go func(m *memberlist.Memberlist) {
				defer func() { <-slots }()
				if _, err := m.Join(seed); err != nil {
					joinErrors.Add(1)
				}
			}(members[i])
		}
	}()
	converged := false
	select {
	case <-c.converged:
		converged = true
	case <-time.After(timeout):
	}
	fullViews := int(c.fullViews.Load())
	if converged {
		fullViews = n
	}

	// Phase 2: the steady state.
	cpu0, bytes0, packets0, wall0 := cpuSeconds(), bytesSent.Load(), packetsSent.Load(), time.Now()
	time.Sleep(time.Duration(*steadyS * float64(time.Second)))
	wall := time.Since(wall0).Seconds()
	cpuPct := (cpuSeconds() - cpu0) / wall * 100
	bytesPerNodeS := float64(bytesSent.Load()-bytes0) / float64(n) / wall
	packetsPerNodeS := float64(packetsSent.Load()-packets0) / float64(n) / wall
	rss, rssEnd := statusMiB("VmHWM"), statusMiB("VmRSS")
	views := int(c.fullViews.Load())

	// Phase 3: kill the victim without a Leave.
	expected := int32(0)
	for i := 0; i < n; i++ {
		if i != c.victim && c.victimAlive[i].Load() {
			expected++
		}
	}
	c.expected.Store(expected)
	c.killAt = time.Now()
	c.killed.Store(true)
	if err := members[c.victim].Shutdown(); err != nil {
		fail("shutdown of n%d: %v", c.victim, err)
	}
	detected := false
	if expected > 0 {
		select {
		case <-c.detectedCh:
			detected = true
		case <-time.After(timeout):
		}
	}

	var notes []string
	if je := joinErrors.Load(); je > 0 {
		notes = append(notes, fmt.Sprintf("%d joins failed", je))
	}
	if !converged {
		notes = append(notes, fmt.Sprintf("not converged after %.0f s: %d of %d nodes had full views", *timeoutS, fullViews, n))
	}
	if views != n {
		notes = append(notes, fmt.Sprintf("%d of %d full views at the end of the steady window", views, n))
	}
	if int(expected) != n-1 {
		notes = append(notes, fmt.Sprintf("%d of %d survivors had the victim alive at the kill", expected, n-1))
	}
	if !detected {
		notes = append(notes, fmt.Sprintf("victim n%d marked failed by %d of %d", c.victim, c.detected.Load(), expected))
	}
	r := result{
		Impl:            "memberlist",
		Nodes:           n,
		Converged:       converged,
		FullViews:       fullViews,
		FullViewsEnd:    views,
		CPUPct:          cpuPct,
		PeakRSSMiB:      rss,
		RSSEndMiB:       rssEnd,
		BytesPerNodeS:   bytesPerNodeS,
		PacketsPerNodeS: packetsPerNodeS,
		Detected:        detected,
		Note:            strings.Join(notes, "; "),
	}
	if converged {
		s := float64(c.convAt.Load()) / 1e9
		r.ConvergeS = &s
	}
	if detected {
		s := float64(c.detectAt.Load()) / 1e9
		r.DetectS = &s
	}
	out, _ := json.Marshal(r)
	fmt.Println(string(out))
	os.Exit(0)
}
