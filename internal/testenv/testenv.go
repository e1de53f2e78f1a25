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

// Package testenv helps the envtest suites: it finds the API server
// binaries hack/k8s-binaries.sh builds, and gives the manager a user bound
// only to the RBAC in config/rbac, so every suite runs with least privilege.
// Only tests import it.
package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

const kindClusterRole = "ClusterRole"

// BinaryAssetsDirectory finds kube-apiserver and etcd when KUBEBUILDER_ASSETS
// is not set (running from an IDE): the store hack/k8s-binaries.sh fills.
func BinaryAssetsDirectory() string {
	if os.Getenv("KUBEBUILDER_ASSETS") != "" {
		return ""
	}
	base := os.Getenv("XDG_DATA_HOME")
	if base == "" {
		home, _ := os.UserHomeDir()
		base = filepath.Join(home, ".local", "share")
	}
	matches, _ := filepath.Glob(filepath.Join(base, "kubebuilder-envtest", "k8s", "*", "kube-apiserver"))
	if len(matches) == 0 {
		return ""
	}
	return filepath.Dir(matches[len(matches)-1])
}

// RBACDir is config/rbac, from a package directory two levels down.
var RBACDir = filepath.Join("..", "..", "config", "rbac")

// RBAC reads the ClusterRoles and Roles of a file in RBACDir.
func RBAC(file string) (clusterRoles []*rbacv1.ClusterRole, roles []*rbacv1.Role, err error) {
	raw, err := os.ReadFile(filepath.Join(RBACDir, file))
	if err != nil {
		return nil, nil, err
	}
	dec := yaml.NewYAMLOrJSONDecoder(bytes.NewReader(raw), 4096)
	for {
		var obj rbacv1.ClusterRole
		err := dec.Decode(&obj)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", file, err)
		}
		switch obj.Kind {
		case kindClusterRole:
			clusterRoles = append(clusterRoles, &obj)
		case "Role":
			roles = append(roles, &rbacv1.Role{ObjectMeta: obj.ObjectMeta, Rules: obj.Rules})
		}
	}
	return clusterRoles, roles, nil
}

// BindClusterRoles creates the ClusterRoles of the files (when missing) and
// binds each to the subject, cluster-wide.
func BindClusterRoles(ctx context.Context, c client.Client, subject rbacv1.Subject, files ...string) error {
	return bindClusterRoles(ctx, c, subject, "", files)
}

// BindClusterRolesIn binds the ClusterRoles of the files to the subject in
// one namespace only, with RoleBindings.
func BindClusterRolesIn(ctx context.Context, c client.Client, subject rbacv1.Subject, ns string, files ...string) error {
	return bindClusterRoles(ctx, c, subject, ns, files)
}

// bindClusterRoles binds with a ClusterRoleBinding when ns is "", else with
// a RoleBinding in ns.
func bindClusterRoles(ctx context.Context, c client.Client, subject rbacv1.Subject, ns string, files []string) error {
	for _, f := range files {
		crs, _, err := RBAC(f)
		if err != nil {
			return err
		}
		for _, cr := range crs {
			if err := c.Create(ctx, cr); err != nil && !apierrors.IsAlreadyExists(err) {
				return err
			}
			meta := metav1.ObjectMeta{Namespace: ns, GenerateName: cr.Name + "-"}
			ref := rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: kindClusterRole, Name: cr.Name}
			var binding client.Object = &rbacv1.ClusterRoleBinding{ObjectMeta: meta, RoleRef: ref, Subjects: []rbacv1.Subject{subject}}
			if ns != "" {
				binding = &rbacv1.RoleBinding{ObjectMeta: meta, RoleRef: ref, Subjects: []rbacv1.Subject{subject}}
			}
			if err := c.Create(ctx, binding); err != nil {
				return err
			}
		}
	}
	return nil
}

// BindRoles creates the Roles of a file in namespace ns and binds each to
// the subject there.
func BindRoles(ctx context.Context, c client.Client, subject rbacv1.Subject, ns, file string) error {
	_, roles, err := RBAC(file)
	if err != nil {
		return err
	}
	for _, r := range roles {
		r.Namespace, r.ResourceVersion = ns, ""
		if err := c.Create(ctx, r); err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
		if err := c.Create(ctx, &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, GenerateName: r.Name + "-"},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: r.Name},
			Subjects:   []rbacv1.Subject{subject},
		}); err != nil {
			return err
		}
	}
	return nil
}

// User creates a user of the test API server bound to the ClusterRoles of
// the given config/rbac files, and returns its credentials.
func User(ctx context.Context, env *envtest.Environment, c client.Client, name string, files ...string) (*rest.Config, error) {
	if err := BindClusterRoles(ctx, c, rbacv1.Subject{APIGroup: rbacv1.GroupName, Kind: "User", Name: name}, files...); err != nil {
		return nil, err
	}
	u, err := env.AddUser(envtest.User{Name: name}, nil)
	if err != nil {
		return nil, err
	}
	return u.Config(), nil
}
