#include "core/wire/go_msgpack.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace rumor::core::wire::gomsgpack {
namespace {

using Bytes = std::vector<uint8_t>;

template <typename F>
Bytes encoded(F&& f) {
  Bytes out;
  Encoder e(out);
  f(e);
  return out;
}

Bytes header_of(const Bytes& b, size_t n) {
  return Bytes(b.begin(), b.begin() + n);
}

// One object from `bytes`, which must decode.
struct Decoded {
  Bytes bytes;
  Reader reader;
  msgpack::object obj;
  explicit Decoded(Bytes b) : bytes(std::move(b)), reader(bytes) {
    const auto e = reader.next(obj);
    EXPECT_FALSE(e.has_value()) << error_name(*e);
  }
};

TEST(GoMsgpack, StringsUseFixstrThenStr16ThenStr32AndNeverStr8) {
  EXPECT_EQ(header_of(encoded([](Encoder& e) { e.str(std::string(31, 'x')); }), 1), Bytes{0xbf});
  EXPECT_EQ(header_of(encoded([](Encoder& e) { e.str(std::string(32, 'x')); }), 3),
            (Bytes{0xda, 0x00, 0x20}));
  EXPECT_EQ(header_of(encoded([](Encoder& e) { e.str(std::string(255, 'x')); }), 3),
            (Bytes{0xda, 0x00, 0xff}));
  EXPECT_EQ(header_of(encoded([](Encoder& e) { e.str(std::string(65535, 'x')); }), 3),
            (Bytes{0xda, 0xff, 0xff}));
  EXPECT_EQ(header_of(encoded([](Encoder& e) { e.str(std::string(65536, 'x')); }), 5),
            (Bytes{0xdb, 0x00, 0x01, 0x00, 0x00}));
  EXPECT_EQ(encoded([](Encoder& e) { e.str(""); }), Bytes{0xa0});
}

TEST(GoMsgpack, ByteSlicesGoOutAsStrNotBin) {
  const Bytes ip = {127, 0, 0, 1};
  EXPECT_EQ(encoded([&](Encoder& e) { e.bytes(ip); }), (Bytes{0xa4, 127, 0, 0, 1}));
  const Bytes key(32, 7);
  EXPECT_EQ(header_of(encoded([&](Encoder& e) { e.bytes(key); }), 3), (Bytes{0xda, 0x00, 0x20}));
  const Bytes payload(300, 1);
  EXPECT_EQ(header_of(encoded([&](Encoder& e) { e.bytes(payload); }), 3),
            (Bytes{0xda, 0x01, 0x2c}));
}

TEST(GoMsgpack, StrHeaderSizeMatchesWhatIsWritten) {
  for (size_t n : {0, 1, 31, 32, 255, 256, 65535, 65536}) {
    const Bytes b = encoded([&](Encoder& e) { e.str(std::string(n, 'a')); });
    EXPECT_EQ(b.size(), n + str_header_size(n)) << n;
  }
}

TEST(GoMsgpack, UnsignedIntsTakeTheSmallestForm) {
  EXPECT_EQ(encoded([](Encoder& e) { e.uint(0); }), Bytes{0x00});
  EXPECT_EQ(encoded([](Encoder& e) { e.uint(127); }), Bytes{0x7f});
  EXPECT_EQ(encoded([](Encoder& e) { e.uint(128); }), (Bytes{0xcc, 0x80}));
  EXPECT_EQ(encoded([](Encoder& e) { e.uint(255); }), (Bytes{0xcc, 0xff}));
  EXPECT_EQ(encoded([](Encoder& e) { e.uint(256); }), (Bytes{0xcd, 0x01, 0x00}));
  EXPECT_EQ(encoded([](Encoder& e) { e.uint(17946); }), (Bytes{0xcd, 0x46, 0x1a}));
  EXPECT_EQ(encoded([](Encoder& e) { e.uint(65536); }), (Bytes{0xce, 0x00, 0x01, 0x00, 0x00}));
  EXPECT_EQ(encoded([](Encoder& e) { e.uint(2000000000); }), (Bytes{0xce, 0x77, 0x35, 0x94, 0x00}));
  EXPECT_EQ(encoded([](Encoder& e) { e.uint(1ULL << 32); }), (Bytes{0xcf, 0, 0, 0, 1, 0, 0, 0, 0}));
}

TEST(GoMsgpack, NonNegativeSignedIntsGoOutUnsignedAndNegativesSmallestSigned) {
  EXPECT_EQ(encoded([](Encoder& e) { e.sint(200); }), (Bytes{0xcc, 0xc8}));
  EXPECT_EQ(encoded([](Encoder& e) { e.sint(70000); }), (Bytes{0xce, 0x00, 0x01, 0x11, 0x70}));
  EXPECT_EQ(encoded([](Encoder& e) { e.sint(-1); }), Bytes{0xff});
  EXPECT_EQ(encoded([](Encoder& e) { e.sint(-32); }), Bytes{0xe0});
  EXPECT_EQ(encoded([](Encoder& e) { e.sint(-33); }), (Bytes{0xd0, 0xdf}));
  EXPECT_EQ(encoded([](Encoder& e) { e.sint(-129); }), (Bytes{0xd1, 0xff, 0x7f}));
  EXPECT_EQ(encoded([](Encoder& e) { e.sint(-40000); }), (Bytes{0xd2, 0xff, 0xff, 0x63, 0xc0}));
}

TEST(GoMsgpack, ContainersBoolsAndNil) {
  EXPECT_EQ(encoded([](Encoder& e) { e.map_header(3); }), Bytes{0x83});
  EXPECT_EQ(encoded([](Encoder& e) { e.map_header(16); }), (Bytes{0xde, 0x00, 0x10}));
  EXPECT_EQ(encoded([](Encoder& e) { e.array_header(0); }), Bytes{0x90});
  EXPECT_EQ(encoded([](Encoder& e) { e.array_header(512); }), (Bytes{0xdc, 0x02, 0x00}));
  EXPECT_EQ(encoded([](Encoder& e) { e.boolean(true); }), Bytes{0xc3});
  EXPECT_EQ(encoded([](Encoder& e) { e.boolean(false); }), Bytes{0xc2});
  EXPECT_EQ(encoded([](Encoder& e) { e.nil(); }), Bytes{0xc0});
}

TEST(GoMsgpack, ReadUintAcceptsEveryWidthRangeChecked) {
  for (const Bytes& b :
       {Bytes{0x05}, Bytes{0xcc, 0x05}, Bytes{0xcd, 0x00, 0x05}, Bytes{0xce, 0, 0, 0, 5},
        Bytes{0xcf, 0, 0, 0, 0, 0, 0, 0, 5}, Bytes{0xd0, 0x05}, Bytes{0xd1, 0x00, 0x05},
        Bytes{0xd2, 0, 0, 0, 5}, Bytes{0xd3, 0, 0, 0, 0, 0, 0, 0, 5}}) {
    Decoded d(b);
    uint16_t v = 0;
    EXPECT_FALSE(read_unsigned(d.obj, v).has_value());
    EXPECT_EQ(v, 5);
  }
  Decoded big(Bytes{0xce, 0x00, 0x01, 0x00, 0x00});
  uint16_t v16 = 0;
  EXPECT_EQ(read_unsigned(big.obj, v16), Error::kOutOfRange);
  uint32_t v32 = 0;
  EXPECT_FALSE(read_unsigned(big.obj, v32).has_value());
  EXPECT_EQ(v32, 65536u);
  Decoded negative(Bytes{0xff});
  EXPECT_EQ(read_unsigned(negative.obj, v32), Error::kOutOfRange);
  Decoded text(Bytes{0xa1, 'x'});
  EXPECT_EQ(read_unsigned(text.obj, v32), Error::kWrongType);
  Decoded nil(Bytes{0xc0});
  v32 = 9;
  EXPECT_FALSE(read_unsigned(nil.obj, v32).has_value());
  EXPECT_EQ(v32, 0u);
}

TEST(GoMsgpack, ReadIntChecksBothBounds) {
  int64_t v = 0;
  Decoded neg(Bytes{0xd0, 0x80});  // -128
  EXPECT_FALSE(read_int(neg.obj, -128, 127, v).has_value());
  EXPECT_EQ(v, -128);
  EXPECT_EQ(read_int(neg.obj, 0, 127, v), Error::kOutOfRange);
  Decoded huge(Bytes{0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff});
  EXPECT_EQ(read_int(huge.obj, std::numeric_limits<int64_t>::min(),
                     std::numeric_limits<int64_t>::max(), v),
            Error::kOutOfRange);
}

TEST(GoMsgpack, ReadBoolTakesBoolsAndZeroOrOne) {
  bool b = false;
  Decoded t(Bytes{0xc3});
  EXPECT_FALSE(read_bool(t.obj, b).has_value());
  EXPECT_TRUE(b);
  Decoded one(Bytes{0x01});
  b = false;
  EXPECT_FALSE(read_bool(one.obj, b).has_value());
  EXPECT_TRUE(b);
  Decoded two(Bytes{0x02});
  EXPECT_EQ(read_bool(two.obj, b), Error::kOutOfRange);
  Decoded text(Bytes{0xa0});
  EXPECT_EQ(read_bool(text.obj, b), Error::kWrongType);
}

TEST(GoMsgpack, StringsReadFromStr8StrAndBin) {
  std::string s;
  Decoded str8(Bytes{0xd9, 0x02, 'h', 'i'});
  EXPECT_FALSE(read_str(str8.obj, 100, s).has_value());
  EXPECT_EQ(s, "hi");
  Decoded bin(Bytes{0xc4, 0x02, 'y', 'o'});
  EXPECT_FALSE(read_str(bin.obj, 100, s).has_value());
  EXPECT_EQ(s, "yo");
  Decoded nil(Bytes{0xc0});
  EXPECT_FALSE(read_str(nil.obj, 100, s).has_value());
  EXPECT_EQ(s, "");
  Decoded longer(Bytes{0xa3, 'a', 'b', 'c'});
  EXPECT_EQ(read_str(longer.obj, 2, s), Error::kTooLong);
  Decoded number(Bytes{0x07});
  EXPECT_EQ(read_str(number.obj, 100, s), Error::kWrongType);
}

TEST(GoMsgpack, ByteSlicesReadFromStrBinIntArraysAndNil) {
  std::vector<uint8_t> v;
  bool is_nil = true;
  Decoded bin16(Bytes{0xc5, 0x00, 0x02, 9, 8});
  EXPECT_FALSE(read_bytes(bin16.obj, 100, v, is_nil).has_value());
  EXPECT_EQ(v, (Bytes{9, 8}));
  EXPECT_FALSE(is_nil);
  Decoded array(Bytes{0x93, 0x01, 0xcc, 0xff, 0x00});
  EXPECT_FALSE(read_bytes(array.obj, 100, v, is_nil).has_value());
  EXPECT_EQ(v, (Bytes{1, 255, 0}));
  Decoded bad_array(Bytes{0x91, 0xcd, 0x01, 0x00});
  EXPECT_EQ(read_bytes(bad_array.obj, 100, v, is_nil), Error::kOutOfRange);
  Decoded empty(Bytes{0xa0});
  EXPECT_FALSE(read_bytes(empty.obj, 100, v, is_nil).has_value());
  EXPECT_TRUE(v.empty());
  EXPECT_FALSE(is_nil);
  Decoded nil(Bytes{0xc0});
  EXPECT_FALSE(read_bytes(nil.obj, 100, v, is_nil).has_value());
  EXPECT_TRUE(is_nil);
}

TEST(GoMsgpack, ReaderReadsBackToBackObjectsAndReportsTheRest) {
  const Bytes b = {0x81, 0xa1, 'a', 0x01, 0x92, 0xc3, 0xc2, 0xee, 0xff};
  Reader r(b);
  msgpack::object o;
  EXPECT_FALSE(r.next(o).has_value());
  EXPECT_EQ(o.type, msgpack::type::MAP);
  EXPECT_EQ(r.offset(), 4u);
  EXPECT_FALSE(r.next(o).has_value());
  EXPECT_EQ(o.type, msgpack::type::ARRAY);
  EXPECT_EQ(r.remaining(), 2u);
  EXPECT_EQ(r.rest()[0], 0xee);
}

TEST(GoMsgpack, ReaderReportsTruncationAtEveryCut) {
  const Bytes whole = {0x82, 0xa1, 'a', 0xcd, 0x01, 0x00, 0xa1, 'b', 0xa2, 'x', 'y'};
  for (size_t n = 0; n < whole.size(); ++n) {
    const Bytes cut(whole.begin(), whole.begin() + n);
    Reader r(cut);
    msgpack::object o;
    EXPECT_EQ(r.next(o), Error::kTruncated) << n;
    EXPECT_EQ(r.offset(), 0u);
  }
}

TEST(GoMsgpack, ReaderRejectsTheReservedByte) {
  const Bytes b = {0xc1};
  Reader r(b);
  msgpack::object o;
  EXPECT_EQ(r.next(o), Error::kBadMsgpack);
}

TEST(GoMsgpack, ReaderEnforcesContainerStringAndDepthLimits) {
  Limits limits;
  limits.max_container = 2;
  limits.max_string = 3;
  limits.max_depth = 2;
  msgpack::object o;
  const Bytes array3 = {0x93, 1, 2, 3};
  EXPECT_EQ(Reader(array3, limits).next(o), Error::kLimit);
  const Bytes map3 = {0x83, 1, 1, 2, 2, 3, 3};
  EXPECT_EQ(Reader(map3, limits).next(o), Error::kLimit);
  const Bytes str4 = {0xa4, 'a', 'b', 'c', 'd'};
  EXPECT_EQ(Reader(str4, limits).next(o), Error::kLimit);
  const Bytes bin4 = {0xc4, 4, 'a', 'b', 'c', 'd'};
  EXPECT_EQ(Reader(bin4, limits).next(o), Error::kLimit);
  const Bytes str3 = {0xa3, 'a', 'b', 'c'};
  EXPECT_FALSE(Reader(str3, limits).next(o).has_value());
  const Bytes depth2 = {0x91, 0x91, 0x01};
  EXPECT_FALSE(Reader(depth2, limits).next(o).has_value());
  const Bytes depth3 = {0x91, 0x91, 0x91, 0x01};
  EXPECT_EQ(Reader(depth3, limits).next(o), Error::kTooDeep);
}

TEST(GoMsgpack, ReaderLimitsALyingArrayCountBeforeAllocating) {
  // An array that claims 2^32-1 elements in five bytes: refused by the limit, not allocated.
  const Bytes b = {0xdd, 0xff, 0xff, 0xff, 0xff};
  msgpack::object o;
  EXPECT_EQ(Reader(b).next(o), Error::kLimit);
}

TEST(GoMsgpack, StructsReadFromMapsArraysAndNil) {
  constexpr std::string_view kOrder[] = {"A", "B"};
  std::vector<std::string> seen;
  const auto collect = [&](std::string_view k, const msgpack::object&) -> std::optional<Error> {
    seen.emplace_back(k);
    return std::nullopt;
  };
  Decoded map(Bytes{0x82, 0xa1, 'B', 0x01, 0xc4, 0x01, 'Z', 0x02});
  EXPECT_FALSE(read_struct(map.obj, kOrder, Error::kWrongType, collect).has_value());
  EXPECT_EQ(seen, (std::vector<std::string>{"B", "Z"}));
  seen.clear();
  Decoded array(Bytes{0x93, 0x01, 0x02, 0x03});
  EXPECT_FALSE(read_struct(array.obj, kOrder, Error::kWrongType, collect).has_value());
  EXPECT_EQ(seen, (std::vector<std::string>{"A", "B"}));
  seen.clear();
  Decoded nil(Bytes{0xc0});
  EXPECT_FALSE(read_struct(nil.obj, kOrder, Error::kWrongType, collect).has_value());
  EXPECT_TRUE(seen.empty());
  Decoded int_key(Bytes{0x81, 0x01, 0x02});
  EXPECT_EQ(read_struct(int_key.obj, kOrder, Error::kWrongType, collect), Error::kWrongType);
  Decoded scalar(Bytes{0x05});
  EXPECT_EQ(read_struct(scalar.obj, kOrder, Error::kWrongType, collect), Error::kWrongType);
}

TEST(GoMsgpack, StructWalkStopsAtTheFirstFieldError) {
  constexpr std::string_view kOrder[] = {"A"};
  int calls = 0;
  Decoded map(Bytes{0x82, 0xa1, 'A', 0x01, 0xa1, 'B', 0x02});
  const auto e = read_struct(map.obj, kOrder, Error::kWrongType,
                             [&](std::string_view, const msgpack::object&) -> std::optional<Error> {
                               ++calls;
                               return Error::kOutOfRange;
                             });
  EXPECT_EQ(e, Error::kOutOfRange);
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace rumor::core::wire::gomsgpack
