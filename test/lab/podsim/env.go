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

package podsim

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// ContainerEnv is the environment kubelet would give a Pod's container:
// its ConfigMaps' keys (envFrom, with their prefixes), then env in order,
// each value either literal with $(NAME) references to variables defined
// before it expanded, or read from the Pod's own fields (the downward API:
// metadata.name, metadata.namespace, metadata.labels['k'],
// metadata.annotations['k'], status.podIP). A reference to a variable not
// defined stays as written, as kubelet leaves it. Secrets are not read:
// the simulator has no need for them.
func ContainerEnv(p *corev1.Pod, c corev1.Container, configMaps map[string]*corev1.ConfigMap) map[string]string {
	env := map[string]string{}
	for _, from := range c.EnvFrom {
		if from.ConfigMapRef == nil {
			continue
		}
		if cm := configMaps[from.ConfigMapRef.Name]; cm != nil {
			for k, v := range cm.Data {
				env[from.Prefix+k] = v
			}
		}
	}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = expand(e.Value, env)
		case e.ValueFrom.FieldRef != nil:
			if v, ok := fieldOf(p, e.ValueFrom.FieldRef.FieldPath); ok {
				env[e.Name] = v
			}
		}
	}
	return env
}

// fieldOf reads a downward API field path of a Pod.
func fieldOf(p *corev1.Pod, path string) (string, bool) {
	switch path {
	case "metadata.name":
		return p.Name, true
	case "metadata.namespace":
		return p.Namespace, true
	case "status.podIP":
		return p.Status.PodIP, true
	}
	for prefix, m := range map[string]map[string]string{
		"metadata.labels":      p.Labels,
		"metadata.annotations": p.Annotations,
	} {
		if key, ok := strings.CutPrefix(path, prefix+"['"); ok {
			if key, ok = strings.CutSuffix(key, "']"); ok {
				return m[key], true
			}
		}
	}
	return "", false
}

// expand replaces $(NAME) by NAME's value when NAME is defined, and $$ by
// $, as kubelet expands a container's env (the syntax of
// k8s.io/kubernetes/third_party/forked/golang/expansion).
func expand(s string, env map[string]string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 {
				b.WriteString(s[i:])
				return b.String()
			}
			name := s[i+2 : i+2+end]
			if v, ok := env[name]; ok {
				b.WriteString(v)
			} else {
				b.WriteString(s[i : i+3+end])
			}
			i += 2 + end
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}
