// The "lzw" mode of memberlist_golden: Go's own compress/lzw (Order LSB, litWidth 8, as
// memberlist's util.go uses it) and memberlist's compress message, for rumor's LZW golden tests
// (tests/interop/lzw_golden_test.cc, src/core/wire/lzw.h, src/core/wire/compress_message.h).
//
// It reads lines "OP HEX" on stdin (HEX may be missing: empty input) and prints one JSON
// document {"results": [{"op", "hex", "error"}, ...]}, one result per line, in order:
//
//	compress HEX     lzw.NewWriter(LSB, 8): Write, Close; "hex" is the stream
//	decompress HEX   lzw.NewReader(LSB, 8) read to the end; "hex" is the output, or null and
//	                 "error" set when the reader fails (Go's error text)
//	encode_msg HEX   memberlist's compressPayload: 09 + go-msgpack compress{Algo: 0, Buf: lzw}
//	decode_msg HEX   memberlist's decompressPayload on a compress body (the bytes after 09)
package main

import (
	"bufio"
	"bytes"
	"compress/lzw"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/hashicorp/go-msgpack/codec"
)

func init() { modes["lzw"] = lzwMode }

// lzwCompressMsg is memberlist's compress struct (net.go); compressionType is a uint8.
type lzwCompressMsg struct {
	Algo uint8
	Buf  []byte
}

const lzwCompressMsgType = 9 // compressMsg

func lzwCompress(in []byte) []byte {
	var buf bytes.Buffer
	w := lzw.NewWriter(&buf, lzw.LSB, 8)
	if _, err := w.Write(in); err != nil {
		panic(err)
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

func lzwDecompress(in []byte) ([]byte, error) {
	r := lzw.NewReader(bytes.NewReader(in), lzw.LSB, 8)
	defer r.Close()
	var out bytes.Buffer
	if _, err := io.Copy(&out, r); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func lzwEncodeMsg(in []byte) []byte {
	return encode(lzwCompressMsgType, &lzwCompressMsg{Algo: 0, Buf: lzwCompress(in)})
}

// As memberlist's decompressPayload and decompressBuffer do it.
func lzwDecodeMsg(body []byte) ([]byte, error) {
	var c lzwCompressMsg
	hd := codec.MsgpackHandle{}
	if err := codec.NewDecoder(bytes.NewReader(body), &hd).Decode(&c); err != nil {
		return nil, err
	}
	if c.Algo != 0 {
		return nil, fmt.Errorf("Cannot decompress unknown algorithm %d", c.Algo)
	}
	return lzwDecompress(c.Buf)
}

func lzwRun(op string, in []byte) obj {
	res := obj{"op": op, "hex": nil}
	var out []byte
	var err error
	switch op {
	case "compress":
		out = lzwCompress(in)
	case "decompress":
		out, err = lzwDecompress(in)
	case "encode_msg":
		out = lzwEncodeMsg(in)
	case "decode_msg":
		out, err = lzwDecodeMsg(in)
	default:
		err = fmt.Errorf("unknown op %q", op)
	}
	if err != nil {
		res["error"] = err.Error()
	} else {
		res["hex"] = hex.EncodeToString(out)
	}
	return res
}

func lzwMode() {
	results := []obj{}
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		var in []byte
		if len(fields) > 1 {
			b, err := hex.DecodeString(fields[1])
			if err != nil {
				panic(err)
			}
			in = b
		}
		results = append(results, lzwRun(fields[0], in))
	}
	if err := sc.Err(); err != nil {
		panic(err)
	}
	printJSON(obj{"results": results})
}
