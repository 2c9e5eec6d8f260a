package secrets

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// TestCheckFormatCutShort cuts the example's secret inputs at every line
// and in the middle of every line: each cut before the last two lines
// (which hold nothing a key check would not catch) is a positioned error,
// and never Go's time parser or a bare "no metadata".
func TestCheckFormatCutShort(t *testing.T) {
	for _, c := range []struct {
		file string
		flat bool
	}{
		{"../../examples/homelab/secrets.sops.yaml", true},
		{"../../examples/homelab/talos/secrets.sops.yaml", false},
		{"../../examples/homelab/talos/client.sops.yaml", false},
	} {
		data, err := os.ReadFile(c.file)
		if err != nil {
			t.Fatal(err)
		}
		if err := CheckFormat(data, c.flat); err != nil {
			t.Fatalf("%s whole: %v", c.file, err)
		}
		lines := strings.SplitAfter(string(data), "\n")
		last := len(data) - len(lines[len(lines)-2]) - len(lines[len(lines)-3]) - 1
		cuts := 0
		for i, start := 0, 0; i < len(lines); start, i = start+len(lines[i]), i+1 {
			for _, cut := range []int{start, start + len(lines[i])/2} {
				if cut >= last {
					continue
				}
				cuts++
				err := CheckFormat(data[:cut], c.flat)
				var fe *FormatError
				if !errors.As(err, &fe) || fe.Line < 1 || fe.Col < 1 {
					t.Errorf("%s cut at %d (line %d): %v, want a positioned error", c.file, cut, i+1, err)
					continue
				}
				if strings.Contains(fe.Msg, "parsing time") || strings.Contains(fe.Msg, "2006") {
					t.Errorf("%s cut at %d: Go internals in %q", c.file, cut, fe.Msg)
				}
			}
		}
		if cuts < 20 {
			t.Errorf("%s: only %d cuts tried", c.file, cuts)
		}
	}
}

func TestCheckFormatEntries(t *testing.T) {
	whole, err := os.ReadFile("../../examples/homelab/secrets.sops.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, edit, want string }{
		{"a value in clear", "plain: hunter2\n", `1:1: secret "plain" is stored in clear`},
		{"a nested value", "nested:\n  a: ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]\n", `1:1: secret "nested" is not a single value`},
		{"two documents", "---\n", "holds more than one YAML document"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.edit + string(whole)
			if tc.name == "two documents" {
				data = string(whole) + "---\na: 1\n"
			}
			err := CheckFormat([]byte(data), true)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
