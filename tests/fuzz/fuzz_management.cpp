// Fuzz target for the management channel's receivers: arbitrary frame sequences into the
// node's ManagementReceiver and core's ManagementAckReceiver at once.
//
// Input: one mode byte, then records of (length byte, that many wire bytes); a record that is
// not a valid MySensors frame is skipped as the link layer would. Mode bits 0-3 pick the
// operation the acknowledgement is opened for (1 + mode % 9), bits 4-7 the milliseconds
// between frames (x 1000, so the 10 s fragment timeout is crossed too).
//
// Invariants: every status has a name; a Complete request has a body its typed reads agree
// with, and the same request rebuilt by the builder completes again with the same body; a
// Complete acknowledgement has a defined result and a digest exactly when it should.
//
// The seeds in corpus/management are valid transfers under the keys below, written by
// tst_management (fuzzCorpusIsCurrent), which holds the same key bytes.
#include <warden/protocol/management.h>

#include <cstdlib>
#include <cstring>

using namespace Warden::Protocol;

namespace {

const uint8_t kFuzzManagementKey[kManagementKeySize]
        = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
           17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
const uint8_t kFuzzSerial[kSerialSize] = {9, 8, 7, 6, 5, 4, 3, 2, 1};

void check(bool condition)
{
    if (!condition)
        std::abort();
}

void checkName(ManagementStatus status)
{
    check(std::strcmp(managementStatusName(status), "unknown") != 0);
}

PortableSha256 &sha()
{
    static PortableSha256 instance;
    return instance;
}

const ManagementKeys &keys()
{
    static ManagementKeys instance;
    if (!instance.isSet())
        instance.derive(sha(), kFuzzManagementKey, kFuzzSerial);
    return instance;
}

void checkCompleteRequest(const ManagementReceiver &node)
{
    check(node.isAuthenticated());
    check(node.counter() > 0);
    check(isKnownManagementOperation(node.operationByte()));
    check(node.body() != nullptr || node.bodyLength() == 0);
    check(node.bodyLength() <= kManagementMaxRequestBody);
    WhitelistEntry entry;
    SigningPeer peer;
    uint8_t byte = 0;
    uint16_t epoch = 0;
    switch (node.operation()) {
    case ManagementOperation::ReplaceWhitelist:
        check(node.whitelistCount() <= kManagementMaxWhitelistEntries);
        check(node.bodyLength() == 1 + node.whitelistCount() * kManagementWhitelistEntrySize);
        for (size_t i = 0; i < node.whitelistCount(); ++i)
            check(node.whitelistEntry(i, entry) && entry.nodeId != 255);
        check(!node.whitelistEntry(node.whitelistCount(), entry));
        break;
    case ManagementOperation::AddWhitelistEntry:
        check(node.whitelistCount() == 1 && node.whitelistEntry(0, entry));
        break;
    case ManagementOperation::RemoveWhitelistEntry:
        check(node.removedNodeId(byte) && byte != 255);
        break;
    case ManagementOperation::SetSigningPolicy:
        check(node.policyFlags(byte) && (byte & ~kPolicyFlagsMask) == 0);
        for (size_t i = 0; i < node.peerCount(); ++i)
            check(node.peer(i, peer) && peer.flags != 0);
        break;
    case ManagementOperation::SetLinkKey:
        check(node.key() != nullptr && node.bodyLength() == kManagementKeySize);
        break;
    case ManagementOperation::SetNetworkKey:
        check(node.key() != nullptr && node.epoch(epoch) && epoch != 0);
        break;
    case ManagementOperation::ActivateEpoch:
        check(node.key() == nullptr && node.epoch(epoch) && epoch != 0);
        break;
    case ManagementOperation::ReadConfigDigest:
        check(node.bodyLength() == 0);
        break;
    case ManagementOperation::FactoryReset:
        check(node.resetScope(byte) && byte <= kManagementResetEraseManagementKey);
        break;
    }

    // The builder reproduces an authentic request exactly: it completes again, same body.
    static ManagementRequestBuilder builder(sha());
    static ManagementReceiver again(sha());
    check(builder.begin(keys(), node.operationByte(), node.counter(), node.body(),
                        node.bodyLength())
          == ManagementBuildError::None);
    Message frame;
    ManagementStatus status = ManagementStatus::NotManagement;
    while (builder.nextFrame(frame, kGatewayAddress, 5))
        status = again.feed(frame, 0);
    check(status == ManagementStatus::Assembled);
    check(again.open(keys(), node.counter() - 1) == ManagementStatus::Complete);
    check(again.bodyLength() == node.bodyLength());
    check(node.bodyLength() == 0 || std::memcmp(again.body(), node.body(), node.bodyLength()) == 0);
    again.clear();
}

void checkCompleteAck(const ManagementAckReceiver &core, uint8_t operation)
{
    check(uint8_t(core.result()) <= uint8_t(ManagementResult::Unsupported));
    check(std::strcmp(managementResultName(core.result()), "unknown") != 0);
    const bool digest = core.result() == ManagementResult::Applied
                        && operation == uint8_t(ManagementOperation::ReadConfigDigest);
    check((core.configDigest() != nullptr) == digest);
    uint32_t last = 0;
    check(core.lastAcceptedCounter(last) == (core.result() == ManagementResult::StaleCounter));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const uint8_t mode = data[0];
    const uint8_t ackOperation = uint8_t(1 + (mode & 0x0F) % 9);
    const uint32_t step = uint32_t(mode >> 4) * 1000u;

    ManagementReceiver node(sha());
    ManagementAckReceiver core(sha());
    uint32_t now = 0xFFFF0000u; // the clock wraps within long inputs
    size_t at = 1;
    while (at < size) {
        const size_t declared = data[at++];
        const size_t length = declared < size - at ? declared : size - at;
        Message frame;
        if (Message::decode(data + at, length, frame) == DecodeError::None) {
            const ManagementStatus fed = node.feed(frame, now);
            checkName(fed);
            if (fed == ManagementStatus::Assembled) {
                const ManagementStatus opened = node.open(keys(), 0);
                checkName(opened);
                check(opened != ManagementStatus::NeedMore && opened != ManagementStatus::Assembled
                      && opened != ManagementStatus::NotAssembled);
                if (opened == ManagementStatus::Complete)
                    checkCompleteRequest(node);
                else
                    check(node.body() == nullptr && node.key() == nullptr);
                check(node.open(keys(), 0) == ManagementStatus::NotAssembled);
            }
            const ManagementStatus acked = core.feed(frame, now);
            checkName(acked);
            if (acked == ManagementStatus::Assembled) {
                const ManagementStatus opened = core.open(keys(), ackOperation, core.counter());
                checkName(opened);
                if (opened == ManagementStatus::Complete)
                    checkCompleteAck(core, ackOperation);
                else
                    check(core.configDigest() == nullptr);
            }
        }
        at += length;
        now += step;
        if (step == 0)
            node.expire(now);
    }
    node.clear();
    core.clear();
    return 0;
}
