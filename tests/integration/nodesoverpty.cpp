// A radio modem with Warden firmware nodes behind it, in a process of its own, so that the nodes
// outlive the wardend that is their gateway (tst_wardendsecurity kills wardend with SIGKILL in
// the middle of a rotation). The modem speaks core/protocol's modem framing on one end of a
// socat pty pair, wardend's serial link (framing = modem) opens the other. Behind it: the
// simulated bus (simnetwork.h) with host-build Warden nodes 1..count, their state in EEPROM
// files in <dir>, the simulated clock following real time. Every node reports a signed value
// every 2 s. Prints "EPOCH <node> <active epoch>" whenever a node's active epoch changes.
#include "rotationharness.h"
#include "serialpty.h"

#include <warden/protocol/modemframing.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QElapsedTimer>
#include <QtCore/QMap>
#include <QtCore/QTimer>

#include <cstdio>

using namespace WardenTest;
using namespace Warden::Protocol;

namespace {

QByteArray wire(ModemPacketType type, uint8_t sequence, const QByteArray &body = {})
{
    uint8_t out[kModemMaxWireSize];
    const size_t n = modemEncode(uint8_t(type), sequence,
                                 reinterpret_cast<const uint8_t *>(body.constData()),
                                 size_t(body.size()), out, sizeof out);
    return QByteArray(reinterpret_cast<const char *>(out), qsizetype(n));
}

/// The modem's side of the framing: status, configuration, frames to send (RadioTx) and
/// frames received (RadioRx).
class Modem
{
public:
    Modem()
    {
        status.protocolVersion = kModemProtocolVersion;
        status.firmwareMajor = 1;
        status.radioKind = kModemRadioNrf24;
        status.flags = kModemStatusRadioPresent | kModemStatusBoot;
        status.channel = 76;
        status.dataRate = kModemRate250k;
        status.power = 3;
        status.txWindow = 1;
        status.maxData = 32;
        end.onBytes = [this](QByteArrayView bytes) {
            for (const char c : bytes) {
                if (decoder.feed(uint8_t(c)) == ModemDecoder::Event::Packet)
                    take();
            }
        };
    }

    void radioRx(const QByteArray &frame)
    {
        end.send(wire(ModemPacketType::RadioRx, rxSequence++, char(0) + frame));
    }

    Warden::Test::PtyPeer end;
    std::function<void(const QByteArray &)> onFrame;

private:
    void result(uint8_t sequence, ModemResult r)
    {
        end.send(wire(ModemPacketType::Result, sequence, QByteArray(1, char(r)) + '\0'));
    }

    void take()
    {
        const auto type = ModemPacketType(decoder.type());
        const uint8_t sequence = decoder.sequence();
        const QByteArray body(reinterpret_cast<const char *>(decoder.body()),
                              qsizetype(decoder.bodyLength()));
        switch (type) {
        case ModemPacketType::StatusRequest: {
            uint8_t out[kModemStatusBodySize];
            modemWriteStatus(status, out);
            end.send(wire(ModemPacketType::Status, sequence,
                          QByteArray(reinterpret_cast<const char *>(out), sizeof out)));
            status.flags &= uint8_t(~kModemStatusBoot);
            return;
        }
        case ModemPacketType::Configure: {
            ModemRadioConfig c {};
            if (modemParseConfig(reinterpret_cast<const uint8_t *>(body.constData()),
                                 size_t(body.size()), c)) {
                status.address = c.address;
                status.channel = c.channel;
                status.dataRate = c.dataRate;
                status.power = c.power;
            }
            result(sequence, ModemResult::Ok);
            return;
        }
        case ModemPacketType::RadioTx:
            result(sequence, ModemResult::Ok);
            if (onFrame && body.size() > 1)
                onFrame(body.mid(1));
            return;
        default:
            result(sequence, ModemResult::UnknownType);
            return;
        }
    }

    ModemStatus status {};
    ModemDecoder decoder;
    uint8_t rxSequence = 0;
};

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    if (argc != 5) {
        std::fprintf(stderr, "usage: nodesoverpty <dir> <pty> <nodes> <loss 0..0.5>\n");
        return 2;
    }
    const QString dir = QString::fromLocal8Bit(argv[1]);
    const int count = QByteArray(argv[3]).toInt();
    const double loss = QByteArray(argv[4]).toDouble();
    const bool fresh = !QFile::exists(dir + QStringLiteral("/node1.eeprom"));
    SimNetwork net(specs(count, {}, dir), kOldKey, Fw::PolicyFlag::kRequireSignatures, 91, fresh);
    net.setValueInterval(2000);
    net.setLoss(loss);
    Modem modem;
    if (!modem.end.open(QString::fromLocal8Bit(argv[2]))) {
        std::fprintf(stderr, "cannot open %s\n", argv[2]);
        return 1;
    }
    modem.onFrame = [&net](const QByteArray &frame) { (void)net.send(frame); };
    QObject::connect(&net, &Warden::Link::unitReceived,
                     [&modem](const QByteArray &unit) { modem.radioRx(unit); });
    net.open();

    QElapsedTimer real;
    real.start();
    QMap<quint8, quint16> epochs;
    QTimer timer;
    int sinceCheck = 0;
    QObject::connect(&timer, &QTimer::timeout, [&] {
        while (net.millis() < quint32(real.elapsed()))
            net.step();
        if (++sinceCheck < 50)
            return;
        sinceCheck = 0;
        for (const quint8 id : net.ids()) {
            const quint16 epoch = net.stored(id).activeEpoch;
            if (epochs.value(id) != epoch) {
                epochs.insert(id, epoch);
                std::printf("EPOCH %d %d\n", id, epoch);
                std::fflush(stdout);
            }
        }
    });
    timer.start(2);
    std::printf("READY\n");
    std::fflush(stdout);
    return app.exec();
}
