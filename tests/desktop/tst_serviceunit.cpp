// installer/systemd/wardend.service: systemd-analyze verify finds nothing (with ExecStart
// pointed at the built wardend and the man page of Documentation= findable), the hardening the
// issue asks for is all there, and the command line it runs is one wardend accepts.
#include "toolrun.h"

#include <QtCore/QFile>
#include <QtCore/QMultiHash>
#include <QtCore/QProcess>
#include <QtCore/QRegularExpression>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

using namespace Qt::StringLiterals;
using WardenTest::findTool;
using WardenTest::runTool;

namespace {

const QString kInstalledProgram = u"/usr/bin/wardend"_s;

QString unitText()
{
    QFile file(QStringLiteral(WARDEN_SOURCE_DIR "/installer/systemd/wardend.service"));
    return file.open(QIODevice::ReadOnly | QIODevice::Text) ? QString::fromUtf8(file.readAll())
                                                            : QString();
}

/// The [Service] section's settings; a key set several times has several values.
QMultiHash<QString, QString> serviceSettings(const QString &text)
{
    QMultiHash<QString, QString> settings;
    QString section;
    for (const QString &raw : text.split(u'\n')) {
        const QString line = raw.trimmed();
        if (line.isEmpty() || line.startsWith(u'#') || line.startsWith(u';'))
            continue;
        if (line.startsWith(u'[')) {
            section = line;
            continue;
        }
        const qsizetype at = line.indexOf(u'=');
        if (section == u"[Service]"_s && at > 0)
            settings.insert(line.left(at), line.mid(at + 1));
    }
    return settings;
}

} // namespace

class tst_ServiceUnit : public QObject
{
    Q_OBJECT

private slots:
    void systemdAnalyzeVerifies();
    void verifyWouldSeeABadValue();
    void setting_data();
    void setting();
    void allowsTheSerialPorts();
    void wardendTakesTheCommandLine();
    void wardendNeedsNoWritableExecutableMemory();
};

void tst_ServiceUnit::systemdAnalyzeVerifies()
{
    const QString analyze = findTool(u"systemd-analyze"_s);
    if (analyze.isEmpty())
        QSKIP("systemd-analyze (systemd) is not installed");
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QString text = unitText();
    QVERIFY(text.contains(kInstalledProgram));
    // verify wants the program to exist: the built one stands in for /usr/bin/wardend.
    text.replace(kInstalledProgram, QStringLiteral(WARDEND_PATH));
    QFile unit(dir.filePath(u"wardend.service"_s));
    QVERIFY(unit.open(QIODevice::WriteOnly));
    unit.write(text.toUtf8());
    unit.close();
    // Documentation=man:wardend(8) is looked up with man: the build's pages.
    const auto run = runTool(analyze, {u"verify"_s, unit.fileName()},
                             {u"MANPATH="_s + QStringLiteral(WARDEN_MAN_BUILD_DIR)});
    QVERIFY2(run.finished && run.exitCode == 0, run.describe().constData());
    // A value systemd cannot parse is only a warning (exit code 0): nothing may be printed.
    QVERIFY2(run.out.isEmpty() && run.err.isEmpty(), run.describe().constData());
}

void tst_ServiceUnit::verifyWouldSeeABadValue()
{
    // The check above can fail: a setting systemd does not take is reported.
    const QString analyze = findTool(u"systemd-analyze"_s);
    if (analyze.isEmpty())
        QSKIP("systemd-analyze (systemd) is not installed");
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QString text = unitText();
    text.replace(kInstalledProgram, QStringLiteral(WARDEND_PATH));
    text.replace(u"DevicePolicy=closed"_s, u"DevicePolicy=shut"_s);
    QFile unit(dir.filePath(u"wardend.service"_s));
    QVERIFY(unit.open(QIODevice::WriteOnly));
    unit.write(text.toUtf8());
    unit.close();
    const auto run = runTool(analyze, {u"verify"_s, u"--man=no"_s, unit.fileName()});
    QVERIFY(run.finished);
    QVERIFY2(run.err.contains("device policy"), run.describe().constData());
}

void tst_ServiceUnit::setting_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("value");
    const QList<std::pair<QString, QString>> required = {
            {u"Type"_s, u"simple"_s},
            {u"ExecStart"_s, kInstalledProgram + u" --config /etc/warden/wardend.conf"_s},
            {u"Restart"_s, u"on-failure"_s},
            {u"User"_s, u"warden"_s},
            {u"Group"_s, u"warden"_s},
            {u"SupplementaryGroups"_s, u"dialout"_s},
            {u"StateDirectory"_s, u"warden"_s},
            {u"ConfigurationDirectory"_s, u"warden"_s},
            {u"ProtectSystem"_s, u"strict"_s},
            {u"ProtectHome"_s, u"yes"_s},
            {u"PrivateTmp"_s, u"yes"_s},
            {u"NoNewPrivileges"_s, u"yes"_s},
            {u"PrivateDevices"_s, u"no"_s},
            {u"DevicePolicy"_s, u"closed"_s},
            {u"ProtectKernelTunables"_s, u"yes"_s},
            {u"ProtectControlGroups"_s, u"yes"_s},
            {u"RestrictAddressFamilies"_s, u"AF_UNIX AF_INET AF_INET6 AF_NETLINK"_s},
            {u"LockPersonality"_s, u"yes"_s},
            {u"MemoryDenyWriteExecute"_s, u"yes"_s},
            {u"SystemCallArchitectures"_s, u"native"_s},
            {u"CapabilityBoundingSet"_s, QString()},
    };
    for (const auto &[key, value] : required)
        QTest::newRow(qPrintable(key)) << key << value;
}

void tst_ServiceUnit::setting()
{
    QFETCH(QString, key);
    QFETCH(QString, value);
    const auto settings = serviceSettings(unitText());
    QVERIFY2(settings.contains(key), qPrintable(key + u" is not set"_s));
    QCOMPARE(settings.values(key), QStringList({value}));
}

void tst_ServiceUnit::allowsTheSerialPorts()
{
    QStringList allowed = serviceSettings(unitText()).values(u"DeviceAllow"_s);
    allowed.sort();
    QCOMPARE(allowed, QStringList({u"char-ttyACM rw"_s, u"char-ttyAMA rw"_s, u"char-ttyS rw"_s,
                                   u"char-ttyUSB rw"_s}));
}

void tst_ServiceUnit::wardendTakesTheCommandLine()
{
    // ExecStart's options, with the example configuration in place of the packaged one.
    const QString exec = serviceSettings(unitText()).value(u"ExecStart"_s);
    QStringList arguments = exec.split(u' ', Qt::SkipEmptyParts).mid(1);
    const qsizetype config = arguments.indexOf(u"/etc/warden/wardend.conf"_s);
    QVERIFY(config > 0);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QVERIFY(QFile::copy(
            QStringLiteral(WARDEN_SOURCE_DIR "/core/tools/wardend/wardend.conf.example"),
            dir.filePath(u"wardend.conf"_s)));
    arguments[config] = dir.filePath(u"wardend.conf"_s);
    const auto run
            = runTool(QStringLiteral(WARDEND_PATH), arguments + QStringList {u"--check-config"_s},
                      {u"XDG_DATA_HOME="_s + dir.path(), u"XDG_CONFIG_HOME="_s + dir.path()});
    QVERIFY2(run.finished && run.exitCode == 0, run.describe().constData());
    QVERIFY2(run.out.contains("configuration OK"), run.describe().constData());
}

void tst_ServiceUnit::wardendNeedsNoWritableExecutableMemory()
{
    // MemoryDenyWriteExecute=yes refuses memory that is writable and executable (as a JIT
    // makes). Without systemd running here, the next best thing: a wardend with its transports
    // loaded and traffic flowing on the simulated network has no such mapping.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QFile config(dir.filePath(u"wardend.conf"_s));
    QVERIFY(config.open(QIODevice::WriteOnly));
    config.write("[controller]\nlisten = 127.0.0.1:0\n[api]\nlisten = 127.0.0.1:0\n");
    config.close();
    QProcess wardend;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(u"XDG_DATA_HOME"_s, dir.path());
    wardend.setProcessEnvironment(env);
    wardend.setProcessChannelMode(QProcess::MergedChannels); // the log is on stderr
    wardend.start(QStringLiteral(WARDEND_PATH),
                  {u"--config"_s, config.fileName(), u"--exit-after"_s, u"60"_s});
    QVERIFY(wardend.waitForStarted(5000));
    QByteArray log;
    while (!log.contains("verified - ") && wardend.state() == QProcess::Running
           && wardend.waitForReadyRead(20000))
        log += wardend.readAll();
    QVERIFY2(log.contains("verified - "), log.constData());

    QFile maps(u"/proc/%1/maps"_s.arg(wardend.processId()));
    QVERIFY(maps.open(QIODevice::ReadOnly | QIODevice::Text));
    const QList<QByteArray> lines = maps.readAll().split('\n');
    QVERIFY(lines.size() > 10);
    for (const QByteArray &line : lines) {
        const QByteArray permissions = line.split(' ').value(1);
        QVERIFY2(!(permissions.contains('w') && permissions.contains('x')), line.constData());
    }
    wardend.terminate();
    QVERIFY(wardend.waitForFinished(10000));
    QCOMPARE(wardend.exitCode(), 0);
}

QTEST_GUILESS_MAIN(tst_ServiceUnit)
#include "tst_serviceunit.moc"
