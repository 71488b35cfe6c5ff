package wire

// UnsentLimit is the most bytes the kernel holds for a connection beyond
// what the network has in flight (TCP_NOTSENT_LOWAT, where the system has
// it; see LimitUnsent). Without it Linux grows a socket's send buffer to
// megabytes (4 MiB by default), and the frames a writer queues wait there
// in the order they were written, out of its reach:
//   - at the host, each member that stops reading in the middle of a
//     history would be sent that much before its write loop blocks, all of
//     it TLS encryption and copying on the cores that deliver live
//     messages (40 such joiners made the host encrypt ~140 MB at once; see
//     docs/performance.md, Join storm); with it, such a member costs its
//     receive window plus this;
//   - at a member, its chat would wait behind megabytes of its own upload.
//
// With it, the bytes wait in the writers' queues, where the write loops
// choose what goes first. In-flight data is not limited, so throughput on
// long paths is not either.
const UnsentLimit = 128 << 10
