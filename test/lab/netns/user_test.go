/*
Copyright 2026 The RestAPI Operator Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package netns

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestRunAsDropsRootForGood runs itself as a child that becomes nobody
// and then tries to become root again; not run as root, the child's RunAs
// must fail.
func TestRunAsDropsRootForGood(t *testing.T) {
	if os.Getenv("RUNAS_CHILD") == "1" {
		if err := RunAs("65534:65534"); err != nil {
			fmt.Println("error:", err)
			return
		}
		back := RunAs("0:0") // refused: 0 is not a user to become
		_, err := os.ReadFile("/proc/1/environ")
		fmt.Printf("uid=%d gid=%d groups=%v back=%v root-only-read=%v\n", os.Getuid(), os.Getgid(), must(os.Getgroups()), back != nil, err != nil)
		return
	}
	for _, bad := range []string{"nobody", "65534", "0:0", "-1:5", "1:x"} {
		if RunAs(bad) == nil {
			t.Errorf("RunAs(%q) accepted", bad)
		}
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestRunAsDropsRootForGood$")
	cmd.Env = append(os.Environ(), "RUNAS_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if os.Getuid() != 0 {
		// Not root (the lab runs as root; a developer may not): becoming
		// another user is refused, and said, never ignored.
		if !strings.Contains(string(out), "error: dropping supplementary groups") {
			t.Errorf("child, not root: %s; want RunAs to fail", out)
		}
		return
	}
	if !strings.Contains(string(out), "uid=65534 gid=65534 groups=[] back=true root-only-read=true") {
		t.Errorf("child: %s", out)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
