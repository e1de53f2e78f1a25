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
	"strconv"
	"strings"
	"syscall"
)

// RunAs makes the process run as user "uid:gid" from now on, for good
// (every thread; no supplementary groups): "" keeps it as it is. The lab's
// Pods and clients call it once they have read what only root may (the
// cluster's kubeconfig), so their connections leave from sockets of that
// user: the NetworkPolicy enforcer lets root's traffic through unjudged,
// as a node's own daemons'.
func RunAs(user string) error {
	if user == "" {
		return nil
	}
	u, g, ok := strings.Cut(user, ":")
	uid, err1 := strconv.Atoi(u)
	gid, err2 := strconv.Atoi(g)
	if !ok || err1 != nil || err2 != nil || uid <= 0 || gid <= 0 {
		return fmt.Errorf("user %q: want uid:gid, both numbers above 0", user)
	}
	if err := syscall.Setgroups(nil); err != nil {
		return fmt.Errorf("dropping supplementary groups: %w", err)
	}
	if err := syscall.Setresgid(gid, gid, gid); err != nil {
		return fmt.Errorf("becoming group %d: %w", gid, err)
	}
	if err := syscall.Setresuid(uid, uid, uid); err != nil {
		return fmt.Errorf("becoming user %d: %w", uid, err)
	}
	if os.Getuid() != uid || os.Geteuid() != uid {
		return fmt.Errorf("still user %d after becoming %d", os.Geteuid(), uid)
	}
	return nil
}
