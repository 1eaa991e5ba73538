// nfq_delay: a fixed-latency delay line for one netfilter queue, used by the end-to-end suite
// (tests/e2e/netns_test.py) to emulate link latency on kernels built without the netem qdisc.
//
// An iptables rule in a test host's network namespace sends that host's packets to queue N
// (`-j NFQUEUE --queue-num N --queue-bypass`); this program, run inside the same namespace,
// takes each packet's id, holds it for --delay-ms, then gives the kernel an ACCEPT verdict, so
// every packet leaves the delay later than it entered. The delay is the same for every packet,
// so verdicts go out in arrival order; the kernel would accept them in any order anyway.
//
// Bounded: at most --max-packets packets are held. The kernel's queue gets the same limit and
// drops beyond it (as netem drops beyond its `limit`); a packet that still arrives over the cap
// is dropped here too and counted. Only packet metadata is copied out of the kernel, never the
// payload.
//
// On SIGTERM or SIGINT it accepts every packet still held (so no traffic is lost on the way
// out), prints one line of counts to stderr, unbinds the queue and exits 0. With
// `--queue-bypass` on the rule, traffic flows undelayed once it is gone.
//
// Usage: nfq_delay --queue N --delay-ms MS [--max-packets N]

#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netlink.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libnetfilter_queue/libnetfilter_queue.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>

namespace {

using Clock = std::chrono::steady_clock;

struct Held {
  uint32_t id;
  Clock::time_point release;
};

struct DelayLine {
  nfq_q_handle* queue = nullptr;
  std::chrono::milliseconds delay{50};
  size_t max_packets = 1024;
  std::deque<Held> held;  // ordered by release time: every packet gets the same delay
  uint64_t received = 0;
  uint64_t accepted = 0;
  uint64_t dropped_over_cap = 0;
};

void verdict(DelayLine& line, uint32_t id, uint32_t v) {
  if (nfq_set_verdict(line.queue, id, v, 0, nullptr) < 0) {
    std::fprintf(stderr, "nfq_delay: verdict for packet %u failed: %s\n", id, std::strerror(errno));
  }
}

int on_packet(nfq_q_handle* /*queue*/, nfgenmsg* /*msg*/, nfq_data* data, void* arg) {
  auto& line = *static_cast<DelayLine*>(arg);
  const nfqnl_msg_packet_hdr* hdr = nfq_get_msg_packet_hdr(data);
  if (hdr == nullptr) return 0;
  const uint32_t id = ntohl(hdr->packet_id);
  ++line.received;
  if (line.held.size() >= line.max_packets) {
    ++line.dropped_over_cap;
    verdict(line, id, NF_DROP);
    return 0;
  }
  line.held.push_back(Held{id, Clock::now() + line.delay});
  return 0;
}

// Accepts every held packet whose time has come (all of them when `all`).
void release_due(DelayLine& line, bool all) {
  const auto now = Clock::now();
  while (!line.held.empty() && (all || line.held.front().release <= now)) {
    verdict(line, line.held.front().id, NF_ACCEPT);
    ++line.accepted;
    line.held.pop_front();
  }
}

// Milliseconds until the oldest held packet is due (rounded up), or -1 (wait forever) if none.
int poll_timeout_ms(const DelayLine& line) {
  if (line.held.empty()) return -1;
  const auto wait = line.held.front().release - Clock::now();
  if (wait <= Clock::duration::zero()) return 0;
  return static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(wait).count());
}

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "nfq_delay: %s\nusage: nfq_delay --queue N --delay-ms MS [--max-packets N]\n", why);
  std::exit(2);
}

long parse_number(const char* flag, const char* text, long min, long max) {
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v < min || v > max) {
    usage((std::string(flag) + " wants a whole number from " + std::to_string(min) + " to " +
           std::to_string(max) + ", got '" + text + "'")
              .c_str());
  }
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  DelayLine line;
  long queue_num = -1;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) usage(("missing value after " + flag).c_str());
    const char* value = argv[++i];
    if (flag == "--queue") {
      queue_num = parse_number("--queue", value, 0, 65535);
    } else if (flag == "--delay-ms") {
      line.delay = std::chrono::milliseconds(parse_number("--delay-ms", value, 0, 60000));
    } else if (flag == "--max-packets") {
      line.max_packets = static_cast<size_t>(parse_number("--max-packets", value, 1, 1 << 20));
    } else {
      usage(("unknown flag " + flag).c_str());
    }
  }
  if (queue_num < 0) usage("--queue is required");

  // SIGTERM and SIGINT arrive through a descriptor polled beside the queue's, so a signal can
  // never slip in between checking for it and going to sleep.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  if (sigprocmask(SIG_BLOCK, &stop_signals, nullptr) != 0) {
    std::perror("nfq_delay: sigprocmask");
    return 1;
  }
  const int signal_fd = signalfd(-1, &stop_signals, SFD_CLOEXEC);
  if (signal_fd < 0) {
    std::perror("nfq_delay: signalfd");
    return 1;
  }

  nfq_handle* handle = nfq_open();
  if (handle == nullptr) {
    std::perror("nfq_delay: nfq_open (needs root or CAP_NET_ADMIN)");
    return 1;
  }
  line.queue = nfq_create_queue(handle, static_cast<uint16_t>(queue_num), &on_packet, &line);
  if (line.queue == nullptr) {
    std::fprintf(stderr, "nfq_delay: cannot bind queue %ld (already in use?): %s\n", queue_num,
                 std::strerror(errno));
    nfq_close(handle);
    return 1;
  }
  if (nfq_set_mode(line.queue, NFQNL_COPY_META, 0) < 0) {
    std::perror("nfq_delay: nfq_set_mode");
    return 1;
  }
  if (nfq_set_queue_maxlen(line.queue, static_cast<uint32_t>(line.max_packets)) < 0) {
    std::perror("nfq_delay: nfq_set_queue_maxlen");
    return 1;
  }
  // Let the kernel hand over GSO packets whole: only their ids matter here.
  nfq_set_queue_flags(line.queue, NFQA_CFG_F_GSO, NFQA_CFG_F_GSO);

  const int queue_fd = nfq_fd(handle);
  // A full netlink socket reports ENOBUFS and loses messages; ask it not to report (the kernel
  // queue's own limit is what bounds us) and give it room for a burst.
  const int one = 1;
  setsockopt(queue_fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof one);
  const int rcvbuf = 4 << 20;
  setsockopt(queue_fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);

  std::fprintf(stderr, "nfq_delay: queue %ld, delay %lld ms, at most %zu packets held\n", queue_num,
               static_cast<long long>(line.delay.count()), line.max_packets);

  alignas(8) char buf[65536];
  bool stopping = false;
  int status = 0;
  while (!stopping) {
    pollfd fds[2] = {{queue_fd, POLLIN, 0}, {signal_fd, POLLIN, 0}};
    const int ready = poll(fds, 2, poll_timeout_ms(line));
    if (ready < 0 && errno != EINTR) {
      std::perror("nfq_delay: poll");
      status = 1;
      break;
    }
    if (ready > 0 && (fds[1].revents & POLLIN) != 0) stopping = true;
    if (ready > 0 && (fds[0].revents & POLLIN) != 0) {
      // Drain whatever is waiting without blocking; each message is one queued packet.
      for (;;) {
        const ssize_t n = recv(queue_fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n < 0) {
          if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ENOBUFS) {
            std::perror("nfq_delay: recv");
            status = 1;
            stopping = true;
          }
          break;
        }
        nfq_handle_packet(handle, buf, static_cast<int>(n));
      }
    }
    release_due(line, false);
  }

  release_due(line, true);
  std::fprintf(stderr,
               "nfq_delay: stopped; %llu packets received, %llu accepted after the delay, %llu "
               "dropped over the cap\n",
               static_cast<unsigned long long>(line.received),
               static_cast<unsigned long long>(line.accepted),
               static_cast<unsigned long long>(line.dropped_over_cap));
  nfq_destroy_queue(line.queue);
  nfq_close(handle);
  close(signal_fd);
  return status;
}
