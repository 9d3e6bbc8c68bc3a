// The exposure assessment after a loss (core/security/exposure): which keys the lost node held,
// who still trusts them, which nodes get the whitelist removal, and the rotation plan (over the
// air or by USB). Pure decision logic: facts in, assessment out.
#include <security/exposure.h>

#include <QtTest/QTest>

using namespace Warden;
using namespace Warden::Internal;
using namespace Qt::StringLiterals;

namespace {

ExposureNode node(quint8 id, bool link, bool management, bool whitelisting,
                  std::optional<QList<quint8>> whitelist = std::nullopt)
{
    ExposureNode n;
    n.id = id;
    n.hasLinkKey = link;
    n.hasManagementKey = management;
    n.requiresSignatures = true;
    n.requiresWhitelisting = whitelisting;
    n.whitelist = std::move(whitelist);
    return n;
}

const ExposureItem *find(const ExposureAssessment &a, ExposureItem::Kind kind)
{
    for (const ExposureItem &i : a.items)
        if (i.kind == kind)
            return &i;
    return nullptr;
}

QList<quint8> range(int from, int to, int except = -1)
{
    QList<quint8> out;
    for (int i = from; i <= to; ++i)
        if (i != except)
            out << quint8(i);
    return out;
}

} // namespace

class tst_Exposure : public QObject
{
    Q_OBJECT

private slots:
    void sharedKeyWithWhitelisting();
    void sharedKeyWithoutWhitelisting();
    void perNodeKeys();
    void removalTargets_data();
    void removalTargets();
    void lostNodeThatDidNotListTheGateway();
    void nodeListText_data();
    void nodeListText();
};

void tst_Exposure::sharedKeyWithWhitelisting()
{
    // The theft drill: 20 nodes on one shared key, whitelisting everywhere, node 20 a
    // stock node (no management key), node 7 lost.
    ExposureFacts f;
    f.activeEpoch = 3;
    f.gatewayWhitelists = true;
    for (int i = 1; i <= 20; ++i)
        f.nodes << node(quint8(i), false, i != 20, true);
    const ExposureAssessment a = assessExposure(f, 7);
    QVERIFY(a.sharedKeyBurnt);
    QVERIFY(a.plan.needed);
    QCOMPARE(a.plan.burntEpoch, quint32(3));
    QCOMPARE(a.plan.lostNodes, QList<quint8> {7});
    QCOMPARE(a.plan.overTheAir, range(1, 19, 7));
    QCOMPARE(a.plan.usb, QList<quint8> {20});
    const ExposureItem *key = find(a, ExposureItem::Kind::SharedNetworkKey);
    QVERIFY(key);
    QCOMPARE(key->epoch, quint32(3));
    QVERIFY(key->nodes.isEmpty()); // everyone whitelists
    QVERIFY2(key->text.contains(u"epoch 3 is burnt"_s), qPrintable(key->text));
    const ExposureItem *gateway = find(a, ExposureItem::Kind::GatewayImpersonation);
    QVERIFY(gateway);
    QCOMPARE(gateway->nodes, range(1, 20, 7));
    QVERIFY2(gateway->text.contains(u"pose as the gateway"_s), qPrintable(gateway->text));
    QVERIFY(gateway->until.contains(u"epoch 3"_s));
    QVERIFY(!find(a, ExposureItem::Kind::ForgedIdsAtGateway));
    // Whitelists unknown: every Warden node but the lost one gets the removal; the stock
    // node cannot.
    QCOMPARE(a.removalTargets, range(1, 19, 7));
}

void tst_Exposure::sharedKeyWithoutWhitelisting()
{
    ExposureFacts f;
    f.activeEpoch = 1;
    f.gatewayWhitelists = false;
    f.nodes << node(1, false, true, false) << node(2, false, true, true)
            << node(3, false, true, false)
            << node(4, true, true, false); // node 4 moved to a link key: not exposed
    const ExposureAssessment a = assessExposure(f, 3);
    QVERIFY(a.sharedKeyBurnt);
    const ExposureItem *key = find(a, ExposureItem::Kind::SharedNetworkKey);
    QVERIFY(key);
    QCOMPARE(key->nodes, QList<quint8> {1});
    QVERIFY2(key->text.contains(u"sign as any node to node 1"_s), qPrintable(key->text));
    const ExposureItem *gateway = find(a, ExposureItem::Kind::GatewayImpersonation);
    QVERIFY(gateway);
    QCOMPARE(gateway->nodes, QList<quint8> {2});
    const ExposureItem *forged = find(a, ExposureItem::Kind::ForgedIdsAtGateway);
    QVERIFY(forged);
    QCOMPARE(forged->nodes, (QList<quint8> {1, 2}));
    QCOMPARE(a.plan.overTheAir, (QList<quint8> {1, 2}));
    QVERIFY(a.plan.usb.isEmpty());
}

void tst_Exposure::perNodeKeys()
{
    // Every other node has its own key: nothing shared is left to burn, even with an epoch.
    for (const std::optional<quint32> epoch :
         {std::optional<quint32>(), std::optional<quint32>(1)}) {
        ExposureFacts f;
        f.activeEpoch = epoch;
        for (int i = 1; i <= 6; ++i)
            f.nodes << node(quint8(i), true, true, true);
        const ExposureAssessment a = assessExposure(f, 3);
        QVERIFY(!a.sharedKeyBurnt);
        QVERIFY(a.items.isEmpty());
        QVERIFY(!a.plan.needed);
        QVERIFY(a.plan.overTheAir.isEmpty());
        QCOMPARE(a.plan.text(), u"no rotation needed: no shared key is burnt"_s);
        QCOMPARE(a.removalTargets, (QList<quint8> {1, 2, 4, 5, 6}));
    }
    // A shared key that only revoked nodes still use is not exposure either.
    ExposureFacts f;
    f.activeEpoch = 1;
    f.nodes << node(1, true, true, true) << node(2, false, true, true)
            << node(3, false, true, true);
    f.nodes[1].revoked = true;
    QVERIFY(!assessExposure(f, 3).sharedKeyBurnt);
}

void tst_Exposure::removalTargets_data()
{
    QTest::addColumn<QList<quint8>>("listsNode5");
    QTest::addColumn<QList<quint8>>("listsOthers");
    QTest::addColumn<QList<quint8>>("expected");
    QTest::newRow("known lists") << QList<quint8> {1, 3} << QList<quint8> {2, 4}
                                 << QList<quint8> {1, 3, 6};
    QTest::newRow("nobody lists it")
            << QList<quint8> {} << QList<quint8> {1, 2, 3, 4} << QList<quint8> {6};
}

void tst_Exposure::removalTargets()
{
    QFETCH(QList<quint8>, listsNode5);
    QFETCH(QList<quint8>, listsOthers);
    QFETCH(QList<quint8>, expected);
    ExposureFacts f;
    f.activeEpoch = 1;
    for (const quint8 id : listsNode5)
        f.nodes << node(id, false, true, true, QList<quint8> {0, 5});
    for (const quint8 id : listsOthers)
        f.nodes << node(id, false, true, true, QList<quint8> {0, 9});
    f.nodes << node(5, false, true, true);
    f.nodes << node(6, false, true, true); // whitelist never pushed: unknown, gets it too
    f.nodes << node(7, false, false, true); // stock node: no management channel
    ExposureNode revoked = node(8, false, true, true);
    revoked.revoked = true;
    f.nodes << revoked;
    QCOMPARE(assessExposure(f, 5).removalTargets, expected);
}

void tst_Exposure::lostNodeThatDidNotListTheGateway()
{
    // The lost node never whitelisted the gateway (known list without 0): it did not know the
    // gateway's serial, so posing as the gateway is not on the list.
    ExposureFacts f;
    f.activeEpoch = 2;
    f.gatewayWhitelists = true;
    f.nodes << node(1, false, true, true, QList<quint8> {}) << node(2, false, true, true);
    const ExposureAssessment a = assessExposure(f, 1);
    QVERIFY(a.sharedKeyBurnt);
    QVERIFY(!find(a, ExposureItem::Kind::GatewayImpersonation));
    QCOMPARE(a.plan.text(),
             u"rotate away from epoch 2: 1 over the air, none by USB; node 1 excluded"_s);
}

void tst_Exposure::nodeListText_data()
{
    QTest::addColumn<QList<quint8>>("nodes");
    QTest::addColumn<QString>("text");
    QTest::newRow("none") << QList<quint8> {} << u"none"_s;
    QTest::newRow("one") << QList<quint8> {4} << u"node 4"_s;
    QTest::newRow("ranges") << QList<quint8> {9, 1, 2, 3, 5, 6, 8, 7, 12}
                            << u"nodes 1-3, 5-9, 12"_s;
    QTest::newRow("pairs") << QList<quint8> {1, 2, 4, 5} << u"nodes 1, 2, 4, 5"_s;
}

void tst_Exposure::nodeListText()
{
    QFETCH(QList<quint8>, nodes);
    QFETCH(QString, text);
    QCOMPARE(Internal::nodeListText(nodes), text);
}

QTEST_GUILESS_MAIN(tst_Exposure)
#include "tst_exposure.moc"
