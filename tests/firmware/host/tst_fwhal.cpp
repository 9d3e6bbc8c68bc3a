// The host HAL: file and RAM EEPROMs (with the power cut), clocks and entropy, the simulated bus
// (delivery, delay, reordering, loss, duplication, determinism per seed, taps) and real ttys
// (openpty) carrying bytes and RS485-framed MySensors frames.
#include <hostclock.h>
#include <hosteeprom.h>
#include <hostserial.h>
#include <resident.h>
#include <rs485transport.h>
#include <simbus.h>

#include <warden/protocol/message.h>

#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <cstring>
#include <unistd.h>

using namespace Warden::Firmware;
using namespace Warden::Firmware::Host;

namespace {

std::vector<uint8_t> frameBytes(uint8_t marker, uint8_t length = 8)
{
    std::vector<uint8_t> v(length, marker);
    return v;
}

// Receives everything due now on @p endpoint, as the first byte of each frame.
std::vector<uint8_t> drain(SimBusEndpoint &endpoint)
{
    std::vector<uint8_t> markers;
    uint8_t buffer[32];
    while (uint8_t n = endpoint.receive(buffer, sizeof buffer))
        markers.push_back(n ? buffer[0] : 0);
    return markers;
}

// Counts destructor runs: Resident must construct from its arguments and never destroy.
struct Tracked
{
    Tracked(int &destroyed, int value)
        : m_destroyed(destroyed)
        , m_value(value)
    { }
    ~Tracked() { ++m_destroyed; }
    int &m_destroyed;
    int m_value;
};

} // namespace

class tst_FwHal : public QObject
{
    Q_OBJECT

private slots:
    void ramEepromPowerCut();
    void fileEeprom();
    void fileEepromRejectsBadFiles();
    void clocksAndEntropy();
    void busDelivery();
    void busDelayAndReordering();
    void busLossAndDuplication_data();
    void busLossAndDuplication();
    void busDeterministicPerSeed();
    void busEndpointsComeAndGo();
    void ptyBytes();
    void rs485OverPty();
    void residentIsNeverDestroyed();
};

void tst_FwHal::ramEepromPowerCut()
{
    RamEeprom eeprom;
    QCOMPARE(eeprom.read(0), uint8_t(0xFF));
    QCOMPARE(eeprom.read(1023), uint8_t(0xFF));
    QCOMPARE(eeprom.read(1024), uint8_t(0xFF)); // out of range reads as erased
    eeprom.cutPowerAfter(2);
    eeprom.write(10, 1);
    eeprom.write(11, 2);
    QVERIFY(eeprom.isPowerCut());
    eeprom.write(12, 3);
    QCOMPARE(eeprom.read(10), uint8_t(1));
    QCOMPARE(eeprom.read(11), uint8_t(2));
    QCOMPARE(eeprom.read(12), uint8_t(0xFF));
    QCOMPARE(eeprom.writeCount(), 2ull);
    QCOMPARE(eeprom.droppedWrites(), 1ull);
    eeprom.restorePower();
    eeprom.write(12, 3);
    QCOMPARE(eeprom.read(12), uint8_t(3));
    // eepromUpdate() does not spend a write on an unchanged cell.
    eeprom.resetCounters();
    eepromUpdate(eeprom, 12, 3);
    QCOMPARE(eeprom.writeCount(), 0ull);
}

void tst_FwHal::fileEeprom()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("node.eeprom")).toStdString();
    std::string error;
    {
        auto eeprom = FileEeprom::open(path, &error);
        QVERIFY2(eeprom, error.c_str());
        QCOMPARE(eeprom->read(5), uint8_t(0xFF));
        eeprom->write(5, 0x42);
        eeprom->write(1023, 0x17);
        QVERIFY(eeprom->isHealthy());
    }
    QFile file(QString::fromStdString(path));
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray bytes = file.readAll();
    QCOMPARE(bytes.size(), 1024);
    QCOMPARE(uint8_t(bytes[5]), uint8_t(0x42));
    QCOMPARE(uint8_t(bytes[1023]), uint8_t(0x17));
    QCOMPARE(uint8_t(bytes[0]), uint8_t(0xFF));
    file.close();
    auto again = FileEeprom::open(path, &error);
    QVERIFY(again);
    QCOMPARE(again->read(5), uint8_t(0x42));

    // A short file (an old image) is kept and the rest erased.
    const std::string shortPath = dir.filePath(QStringLiteral("short.eeprom")).toStdString();
    QFile shortFile(QString::fromStdString(shortPath));
    QVERIFY(shortFile.open(QIODevice::WriteOnly));
    shortFile.write(QByteArray(10, 0x01));
    shortFile.close();
    auto padded = FileEeprom::open(shortPath, &error);
    QVERIFY(padded);
    QCOMPARE(padded->read(9), uint8_t(0x01));
    QCOMPARE(padded->read(10), uint8_t(0xFF));
    QCOMPARE(QFileInfo(QString::fromStdString(shortPath)).size(), 1024);
}

void tst_FwHal::fileEepromRejectsBadFiles()
{
    QTemporaryDir dir;
    std::string error;
    const std::string big = dir.filePath(QStringLiteral("big.eeprom")).toStdString();
    QFile file(QString::fromStdString(big));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QByteArray(2048, 0));
    file.close();
    QVERIFY(!FileEeprom::open(big, &error));
    QVERIFY2(error.find("2048") != std::string::npos, error.c_str());
    QVERIFY(error.find(big) != std::string::npos);
    QVERIFY(!FileEeprom::open(dir.path().toStdString(), &error)); // a directory
    QVERIFY(!FileEeprom::open("/nonexistent/dir/x.eeprom", &error));
    QVERIFY(!error.empty());
}

void tst_FwHal::clocksAndEntropy()
{
    ManualClock manual(100);
    QCOMPARE(manual.millis(), 100u);
    manual.advance(5);
    QCOMPARE(manual.millis(), 105u);
    manual.set(0xFFFFFFFFu);
    manual.advance(2);
    QCOMPARE(manual.millis(), 1u); // wraps like the AVR's millis()

    SystemClock system;
    const uint32_t a = system.millis();
    QTest::qSleep(20);
    QVERIFY(system.millis() >= a + 15);

    SeededEntropy s1(42), s2(42), s3(43);
    uint8_t b1[255], b2[255], b3[255];
    s1.fill(b1, sizeof b1);
    s2.fill(b2, sizeof b2);
    s3.fill(b3, sizeof b3);
    QVERIFY(std::memcmp(b1, b2, sizeof b1) == 0);
    QVERIFY(std::memcmp(b1, b3, sizeof b1) != 0);

    SystemEntropy system1;
    uint8_t r1[32], r2[32];
    system1.fill(r1, 32);
    system1.fill(r2, 32);
    QVERIFY(std::memcmp(r1, r2, 32) != 0);
}

void tst_FwHal::busDelivery()
{
    ManualClock clock;
    SimBus bus(clock);
    auto gw = bus.connect(0);
    auto n1 = bus.connect(1);
    auto n2 = bus.connect(2);
    QCOMPARE(bus.endpointCount(), size_t(3));
    std::vector<SimFrame> tapped;
    bus.setTap([&](const SimFrame &f) { tapped.push_back(f); });

    const auto f = frameBytes(0x11);
    QVERIFY(n1->send(0, f.data(), uint8_t(f.size())));
    uint8_t buffer[32];
    QCOMPARE(gw->receive(buffer, sizeof buffer), uint8_t(8));
    QCOMPARE(buffer[0], uint8_t(0x11));
    QCOMPARE(gw->receive(buffer, sizeof buffer), uint8_t(0));
    QCOMPARE(n2->receive(buffer, sizeof buffer), uint8_t(0)); // not for node 2
    QCOMPARE(n1->receive(buffer, sizeof buffer), uint8_t(0)); // never to the sender

    // Broadcast: everybody but the sender.
    const auto b = frameBytes(0x22);
    QVERIFY(gw->send(255, b.data(), uint8_t(b.size())));
    QCOMPARE(drain(*n1), std::vector<uint8_t> {0x22});
    QCOMPARE(drain(*n2), std::vector<uint8_t> {0x22});
    QCOMPARE(drain(*gw), std::vector<uint8_t> {});

    // Nobody at 9: not acknowledged.
    QVERIFY(!n1->send(9, f.data(), uint8_t(f.size())));
    QCOMPARE(bus.stats().unreachable, 1ull);
    // A frame too long for the receiver's buffer is not delivered.
    const auto big = frameBytes(0x33, 32);
    QVERIFY(n1->send(0, big.data(), uint8_t(big.size())));
    QCOMPARE(gw->receive(buffer, 16), uint8_t(0));

    QCOMPARE(tapped.size(), size_t(4));
    QCOMPARE(tapped[1].nextHop, uint8_t(255));
    QCOMPARE(tapped[1].from, uint8_t(0));
    QVERIFY(!tapped[2].delivered);
    QCOMPARE(bus.stats().sent, 4ull);

    // An address change takes effect at once.
    n2->setAddress(7);
    QVERIFY(gw->send(7, f.data(), uint8_t(f.size())));
    QCOMPARE(drain(*n2), std::vector<uint8_t> {0x11});
}

void tst_FwHal::busDelayAndReordering()
{
    ManualClock clock;
    SimBusOptions options;
    options.seed = 3;
    options.minDelayMs = 5;
    options.maxDelayMs = 50;
    SimBus bus(clock, options);
    auto a = bus.connect(1);
    auto b = bus.connect(2);
    for (uint8_t i = 0; i < 40; ++i) {
        const auto f = frameBytes(i);
        QVERIFY(a->send(2, f.data(), uint8_t(f.size())));
    }
    QCOMPARE(drain(*b).size(), size_t(0)); // nothing before the minimum delay
    clock.advance(4);
    QCOMPARE(drain(*b).size(), size_t(0));
    std::vector<uint8_t> order;
    for (int t = 0; t < 60; ++t) {
        clock.advance(1);
        for (uint8_t m : drain(*b))
            order.push_back(m);
    }
    QCOMPARE(order.size(), size_t(40));
    QVERIFY(!std::is_sorted(order.begin(), order.end())); // random delays reorder
    std::sort(order.begin(), order.end());
    for (uint8_t i = 0; i < 40; ++i)
        QCOMPARE(order[i], i);
}

void tst_FwHal::busLossAndDuplication_data()
{
    QTest::addColumn<double>("loss");
    QTest::addColumn<double>("duplication");
    QTest::newRow("perfect") << 0.0 << 0.0;
    QTest::newRow("20% loss") << 0.2 << 0.0;
    QTest::newRow("30% duplicates") << 0.0 << 0.3;
    QTest::newRow("both") << 0.1 << 0.1;
}

void tst_FwHal::busLossAndDuplication()
{
    QFETCH(double, loss);
    QFETCH(double, duplication);
    ManualClock clock;
    SimBusOptions options;
    options.seed = 11;
    options.loss = loss;
    options.duplication = duplication;
    SimBus bus(clock, options);
    auto a = bus.connect(1);
    auto b = bus.connect(2);
    constexpr int n = 2000;
    int acknowledged = 0;
    for (int i = 0; i < n; ++i) {
        const auto f = frameBytes(uint8_t(i));
        acknowledged += a->send(2, f.data(), uint8_t(f.size())) ? 1 : 0;
    }
    clock.advance(10);
    const size_t received = drain(*b).size();
    const SimBus::Stats &s = bus.stats();
    QCOMPARE(uint64_t(acknowledged), uint64_t(n) - s.lost);
    QCOMPARE(received, size_t(acknowledged + s.duplicated));
    // Within 4 standard deviations of the configured rates.
    auto near = [](uint64_t count, double p) {
        const double sd = std::sqrt(n * p * (1 - p));
        return std::abs(double(count) - n * p) <= 4 * sd + 1;
    };
    QVERIFY2(near(s.lost, loss), qPrintable(QString::number(s.lost)));
    QVERIFY2(near(s.duplicated, duplication * (1 - loss)),
             qPrintable(QString::number(s.duplicated)));
}

void tst_FwHal::busDeterministicPerSeed()
{
    auto trace = [](uint64_t seed) {
        ManualClock clock;
        SimBusOptions options;
        options.seed = seed;
        options.loss = 0.3;
        options.duplication = 0.2;
        options.maxDelayMs = 20;
        SimBus bus(clock, options);
        auto a = bus.connect(1);
        auto b = bus.connect(2);
        std::vector<int> out;
        for (int i = 0; i < 200; ++i) {
            const auto f = frameBytes(uint8_t(i));
            out.push_back(a->send(2, f.data(), uint8_t(f.size())) ? 1 : 0);
            clock.advance(1);
            for (uint8_t m : drain(*b))
                out.push_back(1000 + m);
        }
        return out;
    };
    QCOMPARE(trace(5), trace(5));
    QVERIFY(trace(5) != trace(6));
}

void tst_FwHal::busEndpointsComeAndGo()
{
    ManualClock clock;
    auto bus = std::make_unique<SimBus>(clock);
    auto a = bus->connect(1);
    {
        auto b = bus->connect(2);
        QCOMPARE(bus->endpointCount(), size_t(2));
        b->setEnabled(false);
        const auto f = frameBytes(1);
        QVERIFY(!a->send(2, f.data(), uint8_t(f.size()))); // switched off: no ACK
        QVERIFY(!b->send(1, f.data(), uint8_t(f.size())));
        b->setEnabled(true);
        QVERIFY(a->send(2, f.data(), uint8_t(f.size())));
        QCOMPARE(b->queued(), size_t(1));
    }
    QCOMPARE(bus->endpointCount(), size_t(1));
    // An endpoint that outlives its bus is inert, not a crash.
    bus.reset();
    const auto f = frameBytes(1);
    QVERIFY(!a->send(2, f.data(), uint8_t(f.size())));
    uint8_t buffer[32];
    QCOMPARE(a->receive(buffer, sizeof buffer), uint8_t(0));
}

void tst_FwHal::ptyBytes()
{
    PtyPair pty;
    std::string error;
    QVERIFY2(pty.open(&error), error.c_str());
    QVERIFY(!pty.slaveName.empty());
    std::unique_ptr<PosixSerialPort> node = PosixSerialPort::open(pty.slaveName, &error);
    QVERIFY2(node, error.c_str());
    PosixSerialPort host(pty.master, false);
    QCOMPARE(node->read(), -1);

    // Every byte value passes unchanged (raw mode: no CR/LF mapping, no signals, no echo).
    std::vector<uint8_t> all(256);
    for (int i = 0; i < 256; ++i)
        all[i] = uint8_t(i);
    host.write(all.data(), uint16_t(all.size()));
    std::vector<uint8_t> got;
    while (got.size() < all.size() && node->waitReadable(2000)) {
        int c;
        while ((c = node->read()) >= 0)
            got.push_back(uint8_t(c));
    }
    QCOMPARE(got, all);
    const char reply[] = "OK\r\n";
    node->write(reinterpret_cast<const uint8_t *>(reply), 4);
    QVERIFY(host.waitReadable(2000));
    std::string back;
    int c;
    while (back.size() < 4 && host.waitReadable(2000)) {
        while ((c = host.read()) >= 0)
            back.push_back(char(c));
    }
    QCOMPARE(back, std::string("OK\r\n"));
    QVERIFY(!PosixSerialPort::open("/dev/nonexistent-tty", &error));
    QVERIFY(error.find("/dev/nonexistent-tty") != std::string::npos);
}

void tst_FwHal::rs485OverPty()
{
    PtyPair pty;
    std::string error;
    QVERIFY2(pty.open(&error), error.c_str());
    PosixSerialPort nodeSide(pty.slave, false);
    PosixSerialPort busSide(pty.master, false);
    Rs485Transport node(nodeSide);
    Rs485Transport gateway(busSide);
    node.setAddress(5);
    gateway.setAddress(0);

    Warden::Protocol::Message m;
    m.setHeader(5, 0, Warden::Protocol::Command::Set, 0, 1);
    m.setFloat32(21.5f, 1);
    QVERIFY(node.send(0, m.data(), uint8_t(m.size())));
    uint8_t buffer[32];
    uint8_t n = 0;
    for (int i = 0; i < 200 && n == 0; ++i) {
        busSide.waitReadable(10);
        n = gateway.receive(buffer, sizeof buffer);
    }
    QCOMPARE(n, uint8_t(m.size()));
    QVERIFY(std::memcmp(buffer, m.data(), n) == 0);

    // Garbage and a frame for somebody else before ours: only ours comes out.
    const uint8_t garbage[] = {0x01, 0x02, 0x58, 0xFF, 0x00, 0x13};
    busSide.write(garbage, sizeof garbage);
    QVERIFY(gateway.send(7, m.data(), uint8_t(m.size())));
    QVERIFY(gateway.send(5, m.data(), uint8_t(m.size())));
    n = 0;
    for (int i = 0; i < 200 && n == 0; ++i) {
        nodeSide.waitReadable(10);
        n = node.receive(buffer, sizeof buffer);
    }
    QCOMPARE(n, uint8_t(m.size()));
    QCOMPARE(node.receive(buffer, sizeof buffer), uint8_t(0));
}

void tst_FwHal::residentIsNeverDestroyed()
{
    int destroyed = 0;
    {
        Warden::Firmware::Resident<Tracked> resident(destroyed, 42);
        QCOMPARE(resident->m_value, 42);
        QCOMPARE(&resident.get(), &*resident);
        resident.get().m_value = 7;
        QCOMPARE((*resident).m_value, 7);
    }
    QCOMPARE(destroyed, 0); // the sketch's node and handler: no destructor, ever
    {
        Tracked plain(destroyed, 1);
    }
    QCOMPARE(destroyed, 1); // the counter itself works
}

QTEST_GUILESS_MAIN(tst_FwHal)
#include "tst_fwhal.moc"
