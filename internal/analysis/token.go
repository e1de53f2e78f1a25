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

package analysis

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TokenSource gives the bearer token sent to Prometheus with every query.
// No credential is ever in a RestAPI's spec: the manager holds it.
type TokenSource interface {
	Token(ctx context.Context) (string, error)
}

// FileToken reads the token from a file (a Secret mounted into the
// manager's Pod) for every query, so a rotated token is picked up
// (--prometheus-bearer-token-file).
type FileToken string

// Token reads the file.
func (f FileToken) Token(context.Context) (string, error) {
	b, err := os.ReadFile(string(f))
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

// DefaultSecretTokenTTL is how long a token read from a Secret is used
// before it is read again: a rotated token is picked up within it, and a
// thousand RestAPIs measuring every few seconds cost one read a minute.
const DefaultSecretTokenTTL = time.Minute

// SecretToken reads the token from one key of one Secret through the API
// (--prometheus-bearer-token-secret). The manager may get that Secret and
// no other: a Role in the Secret's namespace with its name in
// resourceNames (the Helm chart's analysis.prometheusBearerTokenSecret).
// It is read with a direct GET, not a watch: a watch would need list and
// watch on every Secret of the namespace.
type SecretToken struct {
	// Reader reads the Secret; the manager's API reader (no cache).
	Reader client.Reader
	// Secret names the Secret.
	Secret types.NamespacedName
	// Key is the key of its data that holds the token.
	Key string
	// TTL is how long a read is used; DefaultSecretTokenTTL when zero.
	TTL time.Duration

	mu      sync.Mutex
	token   string
	fetched time.Time
	now     func() time.Time
}

// Token returns the token, read again once the last read is older than
// the TTL. A failed read is not kept: the next query tries again.
func (s *SecretToken) Token(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now
	if s.now != nil {
		now = s.now
	}
	ttl := s.TTL
	if ttl <= 0 {
		ttl = DefaultSecretTokenTTL
	}
	if !s.fetched.IsZero() && now().Sub(s.fetched) < ttl {
		return s.token, nil
	}
	var secret corev1.Secret
	if err := s.Reader.Get(ctx, s.Secret, &secret); err != nil {
		return "", fmt.Errorf("the Secret %s: %w", s.Secret, err)
	}
	value, ok := secret.Data[s.Key]
	if !ok {
		return "", fmt.Errorf("the Secret %s has no key %q", s.Secret, s.Key)
	}
	token := strings.TrimSpace(string(value))
	if token == "" {
		return "", fmt.Errorf("the Secret %s: key %q is empty", s.Secret, s.Key)
	}
	s.token, s.fetched = token, now()
	return s.token, nil
}

// DefaultTokenKey is the Secret key read when --prometheus-bearer-token-secret
// names none.
const DefaultTokenKey = "token"

// ParseSecretRef reads NAME or NAME:KEY, a Secret in namespace.
func ParseSecretRef(ref, namespace string) (types.NamespacedName, string, error) {
	name, key, found := strings.Cut(ref, ":")
	if !found {
		key = DefaultTokenKey
	}
	switch {
	case namespace == "":
		return types.NamespacedName{}, "", errors.New(
			"the Secret is read in the manager's namespace, and none is known: set --operator-namespace or POD_NAMESPACE")
	case name == "" || strings.Contains(name, "/"):
		return types.NamespacedName{}, "", fmt.Errorf("%q: want NAME or NAME:KEY, a Secret in the manager's namespace %s", ref, namespace)
	case key == "":
		return types.NamespacedName{}, "", fmt.Errorf("%q: the key after ':' is empty", ref)
	}
	return types.NamespacedName{Namespace: namespace, Name: name}, key, nil
}
