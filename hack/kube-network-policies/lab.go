//go:build ignore

// Added to upstream's package networkpolicy by hack/k8s-binaries.sh, which
// also rewrites three things of upstream's code to use it:
//
//   - Its two NFQUEUE rules use nfqueueCompat instead of nftables' native
//     queue expression: kernels built without CONFIG_NFT_QUEUE (this
//     project's CI machines) refuse the native one ("No such file or
//     directory"), while the xtables NFQUEUE target through nft_compat,
//     what iptables-nft uses, is there wherever iptables-nft works. Same
//     verdict, same queue, same bypass flag.
//   - Its four checks "is this Pod on my Node" use localNode, true for
//     every Node when the controller's Node is "*": the lab's Pods of every
//     Node live in one network namespace, so one controller guards them
//     all (one Pod informer, one table, one queue), where upstream runs one
//     per node.
//   - Its Pod lookup asks its NRI plugin only when there is one (upstream
//     dereferences nil otherwise, on the first connection from an address
//     no Pod has, and the process dies).
//   - Its table sync empties the table's rules and its sets (replaceSet)
//     instead of deleting and re-creating the table. Deleting the table
//     unregisters its hook, and the kernel then drops every packet waiting
//     in the queue for a verdict ("netlink receive: no such file or
//     directory" when the verdict comes). Upstream syncs on every change of
//     a Pod under a policy; one controller for the whole cluster syncs many
//     times a second during a large rollout, and the load test's views
//     lost connections to their peers that way.
//
// Nothing else of the enforcer changes: the tables, the rules, the packet
// evaluation are upstream's.
package networkpolicy

import (
	"encoding/binary"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/google/nftables/xt"
)

// AllNodes is the Node name that makes a controller guard every Node's Pods.
const AllNodes = "*"

// localNode reports whether a Pod on node is one this controller guards.
func (c *Controller) localNode(node string) bool {
	return c.config.NodeName == AllNodes || node == c.config.NodeName
}

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

// replaceSet makes the set hold exactly elems, in the same transaction as
// the rest of the sync.
func replaceSet(nft *nftables.Conn, s *nftables.Set, elems []nftables.SetElement) error {
	if err := nft.AddSet(s, nil); err != nil {
		return err
	}
	nft.FlushSet(s)
	if len(elems) == 0 {
		return nil
	}
	return nft.SetAddElements(s, elems)
}
