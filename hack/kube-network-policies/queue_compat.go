//go:build ignore

// Added to upstream's package networkpolicy by hack/k8s-binaries.sh, which
// makes its two NFQUEUE rules use this instead of nftables' native queue
// expression: kernels built without CONFIG_NFT_QUEUE (this project's CI
// machines) refuse the native one ("No such file or directory"), while the
// xtables NFQUEUE target through nft_compat, what iptables-nft uses, is
// there wherever iptables-nft works. Same verdict, same queue, same bypass
// flag; nothing else of the enforcer changes.
package networkpolicy

import (
	"encoding/binary"

	"github.com/google/nftables/expr"
	"github.com/google/nftables/xt"
)

// nfqueueCompat queues the packet to queue num, accepting it when no
// process listens there if bypass (the xt_NFQ_info_v3 target: queue
// number, one queue, flags; padded to 8 bytes, XT_ALIGN).
func nfqueueCompat(num uint16, bypass bool) expr.Any {
	info := make(xt.Unknown, 8)
	binary.NativeEndian.PutUint16(info[0:], num)
	binary.NativeEndian.PutUint16(info[2:], 1)
	if bypass {
		binary.NativeEndian.PutUint16(info[4:], 0x1) // NFQ_FLAG_BYPASS
	}
	return &expr.Target{Name: "NFQUEUE", Rev: 3, Info: &info}
}
