//go:build newer_rendering

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

package render

// newerRendering: a build with the tag newer_rendering is an operator
// whose rendering of every spec differs from this version's by one pod
// template annotation, as a real upgrade's would by an environment
// variable or a probe default. Only test/upgrade builds it.
var newerRendering = map[string]string{"apps.restapi.dev/newer-rendering": "test"}
