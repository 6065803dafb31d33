// Package helmcrd only names the API types controller-gen reads.
package helmcrd

import _ "github.com/fluxcd/helm-controller/api/v2"
