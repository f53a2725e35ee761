// yamldecoder reads manifests the way `kubectl apply -f` does (cli-runtime's StreamVisitor:
// apimachinery's YAMLOrJSONDecoder with a 4096-byte buffer, each document converted by
// sigs.k8s.io/yaml, trimmed, empty and `null` documents skipped) and prints what it got, so
// the test tier can compare our own reader with the real one.
//
// Input on stdin: one JSON string per line, each a whole manifest file.
// Output on stdout: one JSON object per input line,
//   {"docs": ["<raw JSON of document 1>", ...], "error": "<message>"}
// where "error" is present only when the decoder refused the stream (the documents decoded
// before the refusal are still listed, as kubectl has already visited them). Documents are
// given as JSON text (strings), so integers beyond 2^53 reach the caller exactly.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/yaml"
)

type result struct {
	Docs  []string `json:"docs"`
	Error *string  `json:"error,omitempty"`
}

func decode(text string) result {
	out := result{Docs: []string{}}
	d := yaml.NewYAMLOrJSONDecoder(strings.NewReader(text), 4096)
	for {
		ext := runtime.RawExtension{}
		if err := d.Decode(&ext); err != nil {
			if err == io.EOF {
				return out
			}
			message := err.Error()
			out.Error = &message
			return out
		}
		raw := bytes.TrimSpace(ext.Raw)
		if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
			continue
		}
		out.Docs = append(out.Docs, string(raw))
	}
}

func main() {
	in := bufio.NewReader(os.Stdin)
	w := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for {
		line, err := in.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			var text string
			if jsonErr := json.Unmarshal(line, &text); jsonErr != nil {
				fmt.Fprintf(os.Stderr, "yamldecoder: input line is not a JSON string: %v\n", jsonErr)
				os.Exit(2)
			}
			if encErr := enc.Encode(decode(text)); encErr != nil {
				fmt.Fprintf(os.Stderr, "yamldecoder: %v\n", encErr)
				os.Exit(2)
			}
			// One answer per question: flush so a caller can converse line by line.
			if flushErr := w.Flush(); flushErr != nil {
				os.Exit(2)
			}
		}
		if err == io.EOF {
			return
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "yamldecoder: %v\n", err)
			os.Exit(2)
		}
	}
}
