<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>Warden::Internal::AuditLogModel</name>
    <message>
        <location filename="../../gui/dialogs/auditlogmodel.cpp" line="61"/>
        <source>No inventory is open, so there is no audit log.</source>
        <translation>Es ist kein Inventar geöffnet, daher gibt es kein Audit-Protokoll.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/auditlogmodel.cpp" line="123"/>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/auditlogmodel.cpp" line="125"/>
        <source>Action</source>
        <translation>Aktion</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/auditlogmodel.cpp" line="127"/>
        <source>Node</source>
        <translation>Knoten</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/auditlogmodel.cpp" line="129"/>
        <source>Who</source>
        <translation>Wer</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/auditlogmodel.cpp" line="131"/>
        <source>Fingerprints</source>
        <translation>Fingerabdrücke</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/auditlogmodel.cpp" line="133"/>
        <source>Why</source>
        <translation>Warum</translation>
    </message>
</context>
<context>
    <name>Warden::Internal::ConnectionEditor</name>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="77"/>
        <source>Connect when Warden &amp;starts</source>
        <translation>Beim Start von Warden &amp;verbinden</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="93"/>
        <source>Add a connection</source>
        <translation>Verbindung hinzufügen</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="94"/>
        <source>Edit connection %1</source>
        <translation>Verbindung %1 bearbeiten</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="99"/>
        <source>Serial port (USB gateway)</source>
        <translation>Serielle Schnittstelle (USB-Gateway)</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="101"/>
        <source>TCP (Ethernet or WiFi gateway)</source>
        <translation>TCP (Ethernet- oder WLAN-Gateway)</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="103"/>
        <source>MQTT broker</source>
        <translation>MQTT-Broker</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="105"/>
        <source>Simulated network (no hardware)</source>
        <translation>Simuliertes Netzwerk (keine Hardware)</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="108"/>
        <source>Classic: a stock MySensors gateway checks signatures</source>
        <translation>Klassisch: ein MySensors-Standard-Gateway prüft die Signaturen</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="110"/>
        <source>Host gateway: Warden is the gateway (radio modem)</source>
        <translation>Host-Gateway: Warden ist das Gateway (Funkmodem)</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="119"/>
        <source>&amp;Refresh</source>
        <translation>A&amp;ktualisieren</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="120"/>
        <source>List the serial ports again</source>
        <translation>Die seriellen Schnittstellen neu auflisten</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="125"/>
        <source>&amp;Port:</source>
        <translation>&amp;Schnittstelle:</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="133"/>
        <source>&amp;Baud rate:</source>
        <translation>&amp;Baudrate:</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="135"/>
        <source>Text lines (stock gateway)</source>
        <translation>Textzeilen (Standard-Gateway)</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="136"/>
        <source>Radio modem frames</source>
        <translation>Funkmodem-Frames</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="137"/>
        <source>RS485 frames</source>
        <translation>RS485-Frames</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="138"/>
        <source>&amp;Framing:</source>
        <translation>&amp;Rahmung:</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="144"/>
        <source>gateway.local or 192.168.1.20</source>
        <translation>gateway.local oder 192.168.1.20</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="145"/>
        <source>&amp;Host:</source>
        <translation>&amp;Host:</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="147"/>
        <location filename="../../gui/app/connectionsdialog.cpp" line="156"/>
        <source>P&amp;ort:</source>
        <translation>P&amp;ort:</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="153"/>
        <source>broker.local</source>
        <translation>broker.local</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="154"/>
        <source>&amp;Broker:</source>
        <translation>&amp;Broker:</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="158"/>
        <source>&amp;User name:</source>
        <translation>Ben&amp;utzername:</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="161"/>
        <source>Kept for this session only, never stored.</source>
        <translation>Nur für diese Sitzung behalten, nie gespeichert.</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="162"/>
        <source>Pass&amp;word:</source>
        <translation>Pass&amp;wort:</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="165"/>
        <source>&amp;Publish prefix:</source>
        <translation>&amp;Präfix zum Veröffentlichen:</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="168"/>
        <source>&amp;Subscribe prefix:</source>
        <translation>Präfix zum &amp;Abonnieren:</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="176"/>
        <source>&amp;Nodes:</source>
        <translation>&amp;Knoten:</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="178"/>
        <source>Firmware nodes simulated on this computer, with a network key made for the session. Nothing reaches a real radio.</source>
        <translation>Auf diesem Computer simulierte Firmware-Knoten mit einem für die Sitzung erzeugten Netzwerkschlüssel. Nichts erreicht ein echtes Funknetz.</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="182"/>
        <source>This transport has no editor here: its defaults are used.</source>
        <translation>Für diesen Transport gibt es hier keinen Editor: seine Voreinstellungen werden verwendet.</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="187"/>
        <source>&amp;Name:</source>
        <translation>&amp;Name:</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="189"/>
        <source>&amp;Transport:</source>
        <translation>&amp;Transport:</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="191"/>
        <source>&amp;Mode:</source>
        <translation>&amp;Modus:</translation>
    </message>
</context>
<context>
    <name>Warden::Internal::ConnectionsDialog</name>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="404"/>
        <source>&amp;Add...</source>
        <translation>&amp;Hinzufügen...</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="405"/>
        <source>&amp;Edit...</source>
        <translation>&amp;Bearbeiten...</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="406"/>
        <source>&amp;Remove</source>
        <translation>&amp;Entfernen</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="407"/>
        <source>&amp;Connect</source>
        <translation>&amp;Verbinden</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="408"/>
        <source>&amp;Disconnect</source>
        <translation>&amp;Trennen</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="410"/>
        <location filename="../../gui/app/connectionsdialog.cpp" line="411"/>
        <source>Connections</source>
        <translation>Verbindungen</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="412"/>
        <source>&amp;Gateways:</source>
        <translation>&amp;Gateways:</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="420"/>
        <source>Connect</source>
        <translation>Verbinden</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="481"/>
        <source>host gateway</source>
        <translation>Host-Gateway</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="482"/>
        <source>classic</source>
        <translation>klassisch</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="483"/>
        <source>%1 (%2, %3)
%4</source>
        <translation>%1 (%2, %3)
%4</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="509"/>
        <source>Add a connection</source>
        <translation>Verbindung hinzufügen</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="521"/>
        <source>Edit connection</source>
        <translation>Verbindung bearbeiten</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="530"/>
        <location filename="../../gui/app/connectionsdialog.cpp" line="537"/>
        <source>Remove connection</source>
        <translation>Verbindung entfernen</translation>
    </message>
    <message>
        <location filename="../../gui/app/connectionsdialog.cpp" line="531"/>
        <source>Remove the connection %1? Warden stops watching this gateway; its inventory file stays where it is.</source>
        <translation>Die Verbindung %1 entfernen? Warden überwacht dieses Gateway dann nicht mehr; seine Inventardatei bleibt, wo sie ist.</translation>
    </message>
</context>
<context>
    <name>Warden::Internal::ConsoleSession</name>
    <message>
        <location filename="../../gui/app/consolesession.cpp" line="73"/>
        <source>Simulated network</source>
        <translation>Simuliertes Netzwerk</translation>
    </message>
    <message>
        <location filename="../../gui/app/consolesession.cpp" line="80"/>
        <location filename="../../gui/app/consolesession.cpp" line="749"/>
        <location filename="../../gui/app/consolesession.cpp" line="770"/>
        <source>Disconnected</source>
        <translation>Getrennt</translation>
    </message>
    <message>
        <location filename="../../gui/app/consolesession.cpp" line="82"/>
        <location filename="../../gui/app/consolesession.cpp" line="774"/>
        <source>Connecting</source>
        <translation>Verbinde</translation>
    </message>
    <message>
        <location filename="../../gui/app/consolesession.cpp" line="84"/>
        <location filename="../../gui/app/consolesession.cpp" line="778"/>
        <source>Connected</source>
        <translation>Verbunden</translation>
    </message>
    <message>
        <location filename="../../gui/app/consolesession.cpp" line="86"/>
        <source>Not connected, retrying</source>
        <translation>Nicht verbunden, neuer Versuch läuft</translation>
    </message>
    <message>
        <location filename="../../gui/app/consolesession.cpp" line="89"/>
        <source>Failed</source>
        <translation>Fehlgeschlagen</translation>
    </message>
    <message>
        <location filename="../../gui/app/consolesession.cpp" line="129"/>
        <source>No transport plugin could be loaded (looked in: %1), so no gateway can be connected.</source>
        <translation>Es konnte kein Transport-Plugin geladen werden (gesucht in: %1), daher kann kein Gateway verbunden werden.</translation>
    </message>
    <message>
        <location filename="../../gui/app/consolesession.cpp" line="192"/>
        <source>The connection needs a name.</source>
        <translation>Die Verbindung braucht einen Namen.</translation>
    </message>
    <message>
        <location filename="../../gui/app/consolesession.cpp" line="195"/>
        <source>The name &quot;%1&quot; starts or ends with a blank.</source>
        <translation>Der Name „%1“ beginnt oder endet mit einem Leerzeichen.</translation>
    </message>
    <message>
        <location filename="../../gui/app/consolesession.cpp" line="198"/>
        <source>There is already a connection named &quot;%1&quot;.</source>
        <translation>Es gibt bereits eine Verbindung namens „%1“.</translation>
    </message>
    <message>
        <location filename="../../gui/app/consolesession.cpp" line="202"/>
        <source>The transport &quot;%1&quot; is not available (available: %2).</source>
        <translation>Der Transport „%1“ ist nicht verfügbar (verfügbar: %2).</translation>
    </message>
    <message>
        <location filename="../../gui/app/consolesession.cpp" line="219"/>
        <source>The &quot;mode&quot; host gateway needs radio frames, but this %1 link carries a stock gateway&apos;s text lines: choose classic mode (or modem framing).</source>
        <translation>Der Modus („mode“) Host-Gateway braucht Funk-Frames, aber diese %1-Verbindung überträgt die Textzeilen eines Standard-Gateways: Wählen Sie den klassischen Modus (oder Modem-Rahmung).</translation>
    </message>
    <message>
        <location filename="../../gui/app/consolesession.cpp" line="224"/>
        <source>The &quot;mode&quot; classic needs a stock gateway&apos;s text lines, but this %1 link carries radio frames: choose host-gateway mode.</source>
        <translation>Der Modus („mode“) klassisch braucht die Textzeilen eines Standard-Gateways, aber diese %1-Verbindung überträgt Funk-Frames: Wählen Sie den Host-Gateway-Modus.</translation>
    </message>
    <message>
        <location filename="../../gui/app/consolesession.cpp" line="259"/>
        <location filename="../../gui/app/consolesession.cpp" line="293"/>
        <location filename="../../gui/app/consolesession.cpp" line="306"/>
        <location filename="../../gui/app/consolesession.cpp" line="582"/>
        <location filename="../../gui/app/consolesession.cpp" line="604"/>
        <source>There is no connection named &quot;%1&quot;.</source>
        <translation>Es gibt keine Verbindung namens „%1“.</translation>
    </message>
    <message>
        <location filename="../../gui/app/consolesession.cpp" line="312"/>
        <source>Cannot start: %1</source>
        <translation>Start nicht möglich: %1</translation>
    </message>
    <message>
        <location filename="../../gui/app/consolesession.cpp" line="366"/>
        <source>Opening the inventory</source>
        <translation>Öffne das Inventar</translation>
    </message>
    <message>
        <location filename="../../gui/app/consolesession.cpp" line="370"/>
        <source>Cannot create the folder for the inventory %1.</source>
        <translation>Der Ordner für das Inventar %1 kann nicht angelegt werden.</translation>
    </message>
    <message>
        <location filename="../../gui/app/consolesession.cpp" line="374"/>
        <source>the inventory does not open: %1</source>
        <translation>das Inventar lässt sich nicht öffnen: %1</translation>
    </message>
    <message>
        <location filename="../../gui/app/consolesession.cpp" line="555"/>
        <source>the security state does not restore: %1</source>
        <translation>der Sicherheitszustand lässt sich nicht wiederherstellen: %1</translation>
    </message>
    <message>
        <location filename="../../gui/app/consolesession.cpp" line="585"/>
        <location filename="../../gui/app/consolesession.cpp" line="609"/>
        <source>The simulated network uses a key store made for the session; it never holds a real network&apos;s keys.</source>
        <translation>Das simulierte Netzwerk verwendet einen für die Sitzung erzeugten Schlüsselspeicher; er enthält nie die Schlüssel eines echten Netzwerks.</translation>
    </message>
    <message>
        <location filename="../../gui/app/consolesession.cpp" line="592"/>
        <source>The key store %1 does not open: wrong passphrase.</source>
        <translation>Der Schlüsselspeicher %1 lässt sich nicht öffnen: falsche Passphrase.</translation>
    </message>
    <message>
        <location filename="../../gui/app/consolesession.cpp" line="594"/>
        <source>The key store %1 does not open: %2</source>
        <translation>Der Schlüsselspeicher %1 lässt sich nicht öffnen: %2</translation>
    </message>
    <message>
        <location filename="../../gui/app/consolesession.cpp" line="606"/>
        <source>No key store was opened for %1.</source>
        <translation>Für %1 wurde kein Schlüsselspeicher geöffnet.</translation>
    </message>
    <message>
        <location filename="../../gui/app/consolesession.cpp" line="649"/>
        <source>no temporary folder: %1</source>
        <translation>kein temporärer Ordner: %1</translation>
    </message>
    <message>
        <location filename="../../gui/app/consolesession.cpp" line="690"/>
        <source>the simulated transport does not tell its serials</source>
        <translation>der simulierte Transport nennt seine Seriennummern nicht</translation>
    </message>
    <message>
        <location filename="../../gui/app/consolesession.cpp" line="708"/>
        <source>node %1 has no serial</source>
        <translation>Knoten %1 hat keine Seriennummer</translation>
    </message>
    <message>
        <location filename="../../gui/app/consolesession.cpp" line="774"/>
        <source>Connection lost, reconnecting</source>
        <translation>Verbindung verloren, verbinde neu</translation>
    </message>
    <message>
        <location filename="../../gui/app/consolesession.cpp" line="785"/>
        <source>Connection lost%1.</source>
        <translation>Verbindung verloren%1.</translation>
    </message>
    <message>
        <location filename="../../gui/app/consolesession.cpp" line="785"/>
        <source>Cannot connect%1.</source>
        <translation>Verbindung nicht möglich%1.</translation>
    </message>
    <message numerus="yes">
        <location filename="../../gui/app/consolesession.cpp" line="786"/>
        <source>Trying again in %n second(s).</source>
        <translation>
            <numerusform>Neuer Versuch in %n Sekunde.</numerusform>
            <numerusform>Neuer Versuch in %n Sekunden.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Warden::Internal::FirmwareInfo</name>
    <message>
        <location filename="../../gui/dialogs/firmwareprobe.cpp" line="52"/>
        <source>Warden firmware %1 (MySensors %2), personalization protocol %3.</source>
        <translation>Warden-Firmware %1 (MySensors %2), Personalisierungsprotokoll %3.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/firmwareprobe.cpp" line="53"/>
        <source>(version not shown)</source>
        <translation>(Version nicht angezeigt)</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/firmwareprobe.cpp" line="56"/>
        <source>Node id: assigned by the controller.</source>
        <translation>Knoten-ID: vom Controller vergeben.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/firmwareprobe.cpp" line="57"/>
        <source>Node id: %1.</source>
        <translation>Knoten-ID: %1.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/firmwareprobe.cpp" line="59"/>
        <source>Serial: %1.</source>
        <translation>Seriennummer: %1.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/firmwareprobe.cpp" line="62"/>
        <source>It holds no keys yet.</source>
        <translation>Er enthält noch keine Schlüssel.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/firmwareprobe.cpp" line="63"/>
        <source>It holds no Warden keys; it signs with a MySensors key (%1).</source>
        <translation>Er enthält keine Warden-Schlüssel; er signiert mit einem MySensors-Schlüssel (%1).</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/firmwareprobe.cpp" line="67"/>
        <source>Link key %1.</source>
        <translation>Link-Schlüssel %1.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/firmwareprobe.cpp" line="69"/>
        <source>Network key %1 (epoch %2).</source>
        <translation>Netzwerkschlüssel %1 (Epoche %2).</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/firmwareprobe.cpp" line="71"/>
        <source>Management key %1.</source>
        <translation>Verwaltungsschlüssel %1.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/firmwareprobe.cpp" line="72"/>
        <source>Personalizing it again replaces these keys.</source>
        <translation>Eine erneute Personalisierung ersetzt diese Schlüssel.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/firmwareprobe.cpp" line="75"/>
        <source>The node is locked after repeated failures: it needs its unlock pin.</source>
        <translation>Der Knoten ist nach wiederholten Fehlschlägen gesperrt: Er braucht seinen Entsperr-Pin.</translation>
    </message>
</context>
<context>
    <name>Warden::Internal::FirmwareProbe</name>
    <message>
        <location filename="../../gui/dialogs/firmwareprobe.cpp" line="126"/>
        <source>The serial port is not open.</source>
        <translation>Die serielle Schnittstelle ist nicht geöffnet.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/firmwareprobe.cpp" line="206"/>
        <source>The serial port closed while waiting for the node.</source>
        <translation>Die serielle Schnittstelle wurde geschlossen, während auf den Knoten gewartet wurde.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/firmwareprobe.cpp" line="209"/>
        <source>Something answered, but not as Warden firmware does (is it a stock MySensors node, or the wrong speed?).</source>
        <translation>Etwas hat geantwortet, aber nicht so wie die Warden-Firmware (ist es ein MySensors-Standardknoten oder die falsche Geschwindigkeit?).</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/firmwareprobe.cpp" line="211"/>
        <source>No Warden firmware answered within %1 s. Reset the board (or plug it in again) and detect again: it listens for two seconds after a reset. A stock MySensors node never answers.</source>
        <translation>Innerhalb von %1 s hat keine Warden-Firmware geantwortet. Setzen Sie die Platine zurück (oder stecken Sie sie neu ein) und erkennen Sie erneut: Nach einem Reset lauscht sie zwei Sekunden lang. Ein MySensors-Standardknoten antwortet nie.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/firmwareprobe.cpp" line="219"/>
        <source>The node answered the hello but did not show its version.</source>
        <translation>Der Knoten hat auf die Begrüßung geantwortet, aber seine Version nicht angezeigt.</translation>
    </message>
</context>
<context>
    <name>Warden::Internal::InventoryView</name>
    <message>
        <location filename="../../gui/views/inventoryview.cpp" line="47"/>
        <source>Search id, sketch, version, network or serial; #7 for node 7</source>
        <translation>ID, Sketch, Version, Netzwerk oder Seriennummer suchen; #7 für Knoten 7</translation>
    </message>
    <message>
        <location filename="../../gui/views/inventoryview.cpp" line="49"/>
        <source>Search nodes</source>
        <translation>Knoten suchen</translation>
    </message>
    <message>
        <location filename="../../gui/views/inventoryview.cpp" line="53"/>
        <source>Security state filter</source>
        <translation>Filter nach Sicherheitszustand</translation>
    </message>
    <message>
        <location filename="../../gui/views/inventoryview.cpp" line="54"/>
        <source>All security states</source>
        <translation>Alle Sicherheitszustände</translation>
    </message>
    <message>
        <location filename="../../gui/views/inventoryview.cpp" line="58"/>
        <source>Needs attention (revoked, failing, not signing)</source>
        <translation>Braucht Aufmerksamkeit (widerrufen, fehlerhaft, nicht signierend)</translation>
    </message>
    <message>
        <location filename="../../gui/views/inventoryview.cpp" line="79"/>
        <source>Nodes</source>
        <translation>Knoten</translation>
    </message>
    <message numerus="yes">
        <location filename="../../gui/views/inventoryview.cpp" line="108"/>
        <source>%1 of %n node(s) shown</source>
        <translation>
            <numerusform>%1 von %n Knoten angezeigt</numerusform>
            <numerusform>%1 von %n Knoten angezeigt</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Warden::Internal::KeyStoreDialog</name>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="46"/>
        <source>pending (being delivered)</source>
        <translation>ausstehend (wird verteilt)</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="48"/>
        <source>active</source>
        <translation>aktiv</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="50"/>
        <source>retired</source>
        <translation>ausgemustert</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="92"/>
        <source>Key store</source>
        <translation>Schlüsselspeicher</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="93"/>
        <source>&amp;Keys</source>
        <translation>&amp;Schlüssel</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="94"/>
        <source>&amp;Backup and restore</source>
        <translation>Si&amp;cherung und Wiederherstellung</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="95"/>
        <source>&amp;Audit log</source>
        <translation>&amp;Audit-Protokoll</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="113"/>
        <source>Keys are shown by fingerprint only: compare them with what a node or a backup shows. The keys themselves never leave the store through this window.</source>
        <translation>Schlüssel werden nur als Fingerabdruck angezeigt: Vergleichen Sie sie mit dem, was ein Knoten oder eine Sicherung zeigt. Die Schlüssel selbst verlassen den Speicher über dieses Fenster nie.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="120"/>
        <source>Epoch</source>
        <translation>Epoche</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="120"/>
        <source>State</source>
        <translation>Zustand</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="120"/>
        <source>Created</source>
        <translation>Erzeugt</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="120"/>
        <source>Fingerprint</source>
        <translation>Fingerabdruck</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="121"/>
        <source>Network keys</source>
        <translation>Netzwerkschlüssel</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="122"/>
        <source>Node</source>
        <translation>Knoten</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="122"/>
        <source>Serial</source>
        <translation>Seriennummer</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="122"/>
        <source>Link key fingerprint</source>
        <translation>Fingerabdruck des Link-Schlüssels</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="123"/>
        <source>Management key fingerprint</source>
        <translation>Fingerabdruck des Verwaltungsschlüssels</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="124"/>
        <source>Node keys</source>
        <translation>Knotenschlüssel</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="125"/>
        <source>&amp;Network keys, per epoch:</source>
        <translation>&amp;Netzwerkschlüssel, je Epoche:</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="127"/>
        <source>N&amp;ode keys:</source>
        <translation>Kn&amp;otenschlüssel:</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="129"/>
        <source>&amp;Lock the key store</source>
        <translation>Schlüsselspeicher s&amp;perren</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="130"/>
        <source>Closes the key store: keys leave memory until it is unlocked again.</source>
        <translation>Schließt den Schlüsselspeicher: Die Schlüssel verlassen den Arbeitsspeicher, bis er wieder entsperrt wird.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="151"/>
        <source>Make a backup</source>
        <translation>Sicherung anlegen</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="153"/>
        <source>A backup holds every key of your network: the network keys and each node&apos;s keys. It is protected only by the backup passphrase you choose here. Keep it offline and choose a strong passphrase you will remember.</source>
        <translation>Eine Sicherung enthält jeden Schlüssel Ihres Netzwerks: die Netzwerkschlüssel und die Schlüssel jedes Knotens. Sie ist nur durch die Sicherungs-Passphrase geschützt, die Sie hier wählen. Bewahren Sie sie offline auf und wählen Sie eine starke Passphrase, die Sie sich merken können.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="158"/>
        <source>Backup file</source>
        <translation>Sicherungsdatei</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="159"/>
        <source>Br&amp;owse...</source>
        <translation>D&amp;urchsuchen...</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="162"/>
        <source>Save the backup as</source>
        <translation>Sicherung speichern unter</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="167"/>
        <source>Backup passphrase</source>
        <translation>Sicherungs-Passphrase</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="170"/>
        <source>Backup passphrase again</source>
        <translation>Sicherungs-Passphrase wiederholen</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="176"/>
        <source>&amp;Export the backup</source>
        <translation>Sicherung &amp;exportieren</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="182"/>
        <source>Backup &amp;file:</source>
        <translation>Sicherungs&amp;datei:</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="185"/>
        <source>Backup &amp;passphrase:</source>
        <translation>Sicherungs-&amp;Passphrase:</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="188"/>
        <source>A&amp;gain:</source>
        <translation>&amp;Wiederholen:</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="199"/>
        <source>Restore a backup</source>
        <translation>Eine Sicherung wiederherstellen</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="201"/>
        <source>Restoring replaces every key in this key store with the backup&apos;s: keys made since the backup (new nodes, a rotation) are gone from the store, and nodes that hold them must be personalized again. The current store is saved as an automatic backup first, in %1.</source>
        <translation>Die Wiederherstellung ersetzt jeden Schlüssel in diesem Schlüsselspeicher durch die der Sicherung: Seit der Sicherung erzeugte Schlüssel (neue Knoten, eine Rotation) verschwinden aus dem Speicher, und Knoten, die sie enthalten, müssen neu personalisiert werden. Der aktuelle Speicher wird vorher automatisch gesichert, in %1.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="208"/>
        <source>Backup to restore</source>
        <translation>Wiederherzustellende Sicherung</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="209"/>
        <source>Bro&amp;wse...</source>
        <translation>Du&amp;rchsuchen...</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="212"/>
        <source>Restore which backup</source>
        <translation>Welche Sicherung wiederherstellen</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="163"/>
        <source>Warden key store backups (*.wks)</source>
        <translation>Warden-Schlüsselspeicher-Sicherungen (*.wks)</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="163"/>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="214"/>
        <source>All files (*)</source>
        <translation>Alle Dateien (*)</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="214"/>
        <source>Warden key store backups (*.wks *.bak)</source>
        <translation>Warden-Schlüsselspeicher-Sicherungen (*.wks *.bak)</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="218"/>
        <source>Passphrase of the backup</source>
        <translation>Passphrase der Sicherung</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="220"/>
        <source>I &amp;understand that this replaces the current keys</source>
        <translation>Ich &amp;verstehe, dass dies die aktuellen Schlüssel ersetzt</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="221"/>
        <source>&amp;Restore the backup</source>
        <translation>Sicherung wieder&amp;herstellen</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="227"/>
        <source>Ba&amp;ckup file:</source>
        <translation>Sicherungsda&amp;tei:</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="230"/>
        <source>Its pa&amp;ssphrase:</source>
        <translation>&amp;Ihre Passphrase:</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="260"/>
        <source>Action, who, why or fingerprint</source>
        <translation>Aktion, Wer, Warum oder Fingerabdruck</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="262"/>
        <source>Search the audit log</source>
        <translation>Das Audit-Protokoll durchsuchen</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="266"/>
        <source>all nodes</source>
        <translation>alle Knoten</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="268"/>
        <source>Node filter</source>
        <translation>Knotenfilter</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="270"/>
        <source>Re&amp;fresh</source>
        <translation>Aktualisi&amp;eren</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="279"/>
        <source>Audit log</source>
        <translation>Audit-Protokoll</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="283"/>
        <source>&amp;Search:</source>
        <translation>S&amp;uchen:</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="285"/>
        <source>&amp;Node:</source>
        <translation>&amp;Knoten:</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="299"/>
        <source>No inventory is open, so there is no audit log.</source>
        <translation>Es ist kein Inventar geöffnet, daher gibt es kein Audit-Protokoll.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="339"/>
        <source>Gateway serial: %1</source>
        <translation>Seriennummer des Gateways: %1</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="340"/>
        <source>The store holds no gateway serial.</source>
        <translation>Der Speicher enthält keine Gateway-Seriennummer.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="364"/>
        <source>deleted (node revoked)</source>
        <translation>gelöscht (Knoten widerrufen)</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="371"/>
        <source>none (network key)</source>
        <translation>keiner (Netzwerkschlüssel)</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="376"/>
        <source>none (stock node)</source>
        <translation>keiner (Standardknoten)</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="384"/>
        <source>The audit log cannot be read: %1</source>
        <translation>Das Audit-Protokoll kann nicht gelesen werden: %1</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="386"/>
        <source>Audit entries: %1</source>
        <translation>Audit-Einträge: %1</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="413"/>
        <source>The two backup passphrases differ; nothing was written.</source>
        <translation>Die beiden Sicherungs-Passphrasen unterscheiden sich; es wurde nichts geschrieben.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="417"/>
        <source>The backup passphrase is too short: use at least %1 characters. Nothing was written.</source>
        <translation>Die Sicherungs-Passphrase ist zu kurz: Verwenden Sie mindestens %1 Zeichen. Es wurde nichts geschrieben.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="424"/>
        <source>The backup was not written: %1</source>
        <translation>Die Sicherung wurde nicht geschrieben: %1</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="433"/>
        <source>Backup written to %1. It holds every key: keep it safe.</source>
        <translation>Sicherung nach %1 geschrieben. Sie enthält jeden Schlüssel: Bewahren Sie sie sicher auf.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="450"/>
        <source>Nothing was restored and the current keys are unchanged: %1</source>
        <translation>Es wurde nichts wiederhergestellt, die aktuellen Schlüssel sind unverändert: %1</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="466"/>
        <source>The backup was restored.</source>
        <translation>Die Sicherung wurde wiederhergestellt.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="467"/>
        <source>The backup was restored. The keys it replaced are in %1.</source>
        <translation>Die Sicherung wurde wiederhergestellt. Die ersetzten Schlüssel liegen in %1.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoredialog.cpp" line="471"/>
        <source>The running network still uses the keys it loaded when it started: reconnect it to use the restored ones.</source>
        <translation>Das laufende Netzwerk verwendet noch die beim Start geladenen Schlüssel: Verbinden Sie es neu, um die wiederhergestellten zu verwenden.</translation>
    </message>
</context>
<context>
    <name>Warden::Internal::KeyStoreUnlockDialog</name>
    <message>
        <location filename="../../gui/dialogs/keystoreunlockdialog.cpp" line="28"/>
        <source>&amp;Remember the passphrase in the system keychain</source>
        <translation>Passphrase im Schlüsselbund des Systems &amp;merken</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoreunlockdialog.cpp" line="31"/>
        <source>Open with the &amp;keychain&apos;s passphrase</source>
        <translation>Mit der Passphrase aus dem &amp;Schlüsselbund öffnen</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoreunlockdialog.cpp" line="34"/>
        <source>Create the key store</source>
        <translation>Schlüsselspeicher anlegen</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoreunlockdialog.cpp" line="34"/>
        <source>Unlock the key store</source>
        <translation>Schlüsselspeicher entsperren</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoreunlockdialog.cpp" line="38"/>
        <source>There is no key store at %1 yet. Choose a passphrase for a new one: it protects every key of your network, and without it the keys cannot be recovered.</source>
        <translation>Unter %1 gibt es noch keinen Schlüsselspeicher. Wählen Sie eine Passphrase für einen neuen: Sie schützt jeden Schlüssel Ihres Netzwerks, und ohne sie lassen sich die Schlüssel nicht wiederherstellen.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoreunlockdialog.cpp" line="42"/>
        <source>The key store %1 is locked. Enter its passphrase.</source>
        <translation>Der Schlüsselspeicher %1 ist gesperrt. Geben Sie seine Passphrase ein.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoreunlockdialog.cpp" line="46"/>
        <source>Passphrase</source>
        <translation>Passphrase</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoreunlockdialog.cpp" line="48"/>
        <source>&amp;Passphrase:</source>
        <translation>&amp;Passphrase:</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoreunlockdialog.cpp" line="54"/>
        <source>Passphrase again</source>
        <translation>Passphrase wiederholen</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoreunlockdialog.cpp" line="55"/>
        <source>&amp;Again:</source>
        <translation>&amp;Wiederholen:</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoreunlockdialog.cpp" line="74"/>
        <source>This build of Warden has no keychain support (QtKeychain), so the passphrase cannot be remembered.</source>
        <translation>Dieser Warden-Build unterstützt keinen Schlüsselbund (QtKeychain), daher kann die Passphrase nicht gemerkt werden.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoreunlockdialog.cpp" line="79"/>
        <source>The system keychain keeps the passphrase, so that the key store opens without asking. Anyone who can use your login session can then open it too.</source>
        <translation>Der Schlüsselbund des Systems bewahrt die Passphrase auf, sodass sich der Schlüsselspeicher ohne Nachfrage öffnet. Dann kann ihn aber auch jeder öffnen, der Ihre Anmeldesitzung benutzen kann.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoreunlockdialog.cpp" line="85"/>
        <source>Error</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoreunlockdialog.cpp" line="90"/>
        <source>&amp;Create</source>
        <translation>&amp;Anlegen</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoreunlockdialog.cpp" line="90"/>
        <source>&amp;Unlock</source>
        <translation>&amp;Entsperren</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoreunlockdialog.cpp" line="152"/>
        <source>The two passphrases differ. Type the same passphrase twice.</source>
        <translation>Die beiden Passphrasen unterscheiden sich. Geben Sie zweimal dieselbe Passphrase ein.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoreunlockdialog.cpp" line="156"/>
        <source>The passphrase is too short: use at least %1 characters.</source>
        <translation>Die Passphrase ist zu kurz: Verwenden Sie mindestens %1 Zeichen.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoreunlockdialog.cpp" line="178"/>
        <source>The keychain gave no passphrase for this key store (%1). Enter it.</source>
        <translation>Der Schlüsselbund lieferte keine Passphrase für diesen Schlüsselspeicher (%1). Geben Sie sie ein.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoreunlockdialog.cpp" line="195"/>
        <source>Nothing was changed. Check the passphrase and try again.</source>
        <translation>Es wurde nichts geändert. Prüfen Sie die Passphrase und versuchen Sie es erneut.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/keystoreunlockdialog.cpp" line="201"/>
        <source>Nothing was changed. Automatic backups of earlier versions are in %1.</source>
        <translation>Es wurde nichts geändert. Automatische Sicherungen früherer Versionen liegen in %1.</translation>
    </message>
</context>
<context>
    <name>Warden::Internal::MainWindow</name>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="80"/>
        <source>Live traffic</source>
        <translation>Live-Verkehr</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="81"/>
        <source>Simulated network</source>
        <translation>Simuliertes Netzwerk</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="94"/>
        <source>These nodes are simulated on this computer; nothing here reaches a real radio network.</source>
        <translation>Diese Knoten werden auf diesem Computer simuliert; nichts hiervon erreicht ein echtes Funknetz.</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="178"/>
        <source>&amp;Export traffic...</source>
        <translation>Verkehr &amp;exportieren...</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="181"/>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="185"/>
        <source>&amp;Manage connections...</source>
        <translation>Verbindungen &amp;verwalten...</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="188"/>
        <source>&amp;Connect all</source>
        <translation>Alle ver&amp;binden</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="193"/>
        <source>&amp;Disconnect all</source>
        <translation>Alle &amp;trennen</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="200"/>
        <source>Node &amp;details...</source>
        <translation>Knoten&amp;details...</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="206"/>
        <source>&amp;Revoke node...</source>
        <translation>Knoten wider&amp;rufen...</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="212"/>
        <source>Node &amp;whitelist...</source>
        <translation>&amp;Whitelist des Knotens...</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="217"/>
        <source>&amp;Rotate the network key...</source>
        <translation>Netzwerkschlüssel &amp;rotieren...</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="219"/>
        <source>&amp;Key store...</source>
        <translation>&amp;Schlüsselspeicher...</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="221"/>
        <source>&amp;Personalize a node...</source>
        <translation>Knoten &amp;personalisieren...</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="223"/>
        <source>Network &amp;whitelist...</source>
        <translation>&amp;Netzwerk-Whitelist...</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="226"/>
        <source>Unlock, lock, back up or restore the network&apos;s keys.</source>
        <translation>Die Schlüssel des Netzwerks entsperren, sperren, sichern oder wiederherstellen.</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="227"/>
        <source>Give a node on the USB cable its identity and keys.</source>
        <translation>Einem Knoten am USB-Kabel seine Identität und seine Schlüssel geben.</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="228"/>
        <source>Replace the network key on every node.</source>
        <translation>Den Netzwerkschlüssel auf jedem Knoten ersetzen.</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="230"/>
        <source>&amp;Find nodes</source>
        <translation>Knoten &amp;finden</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="235"/>
        <source>&amp;About Warden</source>
        <translation>Ü&amp;ber Warden</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="238"/>
        <source>About &amp;Qt</source>
        <translation>Über &amp;Qt</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="245"/>
        <source>&amp;File</source>
        <translation>&amp;Datei</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="250"/>
        <source>&amp;Connections</source>
        <translation>&amp;Verbindungen</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="256"/>
        <source>&amp;Node</source>
        <translation>&amp;Knoten</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="262"/>
        <source>&amp;Security</source>
        <translation>&amp;Sicherheit</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="269"/>
        <source>&amp;View</source>
        <translation>&amp;Ansicht</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="273"/>
        <source>Live &amp;traffic</source>
        <translation>Live-&amp;Verkehr</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="278"/>
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="327"/>
        <source>%1 (simulated)</source>
        <translation>%1 (simuliert)</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="328"/>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="331"/>
        <source>Last error: %1</source>
        <translation>Letzter Fehler: %1</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="332"/>
        <source>Connection %1</source>
        <translation>Verbindung %1</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="349"/>
        <location filename="../../gui/app/mainwindow.cpp" line="389"/>
        <source>The inventory of %1 cannot be read: %2</source>
        <translation>Das Inventar von %1 kann nicht gelesen werden: %2</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="417"/>
        <source>Warden - Simulated network</source>
        <translation>Warden - Simuliertes Netzwerk</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="417"/>
        <source>Warden</source>
        <translation>Warden</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="428"/>
        <location filename="../../gui/app/mainwindow.cpp" line="433"/>
        <source>Export traffic</source>
        <translation>Verkehr exportieren</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="429"/>
        <source>CSV files (*.csv)</source>
        <translation>CSV-Dateien (*.csv)</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="435"/>
        <source>Traffic exported to %1</source>
        <translation>Verkehr nach %1 exportiert</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="441"/>
        <source>About Warden</source>
        <translation>Über Warden</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="442"/>
        <source>&lt;h3&gt;Warden %1&lt;/h3&gt;&lt;p&gt;Secures and manages MySensors sensor networks: signing, whitelisting, revocation and key rotation.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;Warden %1&lt;/h3&gt;&lt;p&gt;Sichert und verwaltet MySensors-Sensornetzwerke: Signieren, Whitelisting, Widerruf und Schlüsselrotation.&lt;/p&gt;</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="495"/>
        <source>The network of this node has no unlocked key store: unlock it under Security &gt; Key store.</source>
        <translation>Das Netzwerk dieses Knotens hat keinen entsperrten Schlüsselspeicher: Entsperren Sie ihn unter Sicherheit &gt; Schlüsselspeicher.</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="497"/>
        <source>Select a node first.</source>
        <translation>Wählen Sie zuerst einen Knoten aus.</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="524"/>
        <source>Resume the key rotation of %1...</source>
        <translation>Schlüsselrotation von %1 fortsetzen...</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="526"/>
        <source>A key rotation of %1 is unfinished: open the wizard at its step.</source>
        <translation>Eine Schlüsselrotation von %1 ist nicht abgeschlossen: den Assistenten bei ihrem Schritt öffnen.</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="534"/>
        <source>Node details need the key store of %1 unlocked.</source>
        <translation>Knotendetails brauchen den entsperrten Schlüsselspeicher von %1.</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="555"/>
        <source>Revoking needs the key store of %1 unlocked.</source>
        <translation>Widerrufen braucht den entsperrten Schlüsselspeicher von %1.</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="603"/>
        <source>A key rotation needs the key store of %1 unlocked.</source>
        <translation>Eine Schlüsselrotation braucht den entsperrten Schlüsselspeicher von %1.</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="623"/>
        <source>Key store</source>
        <translation>Schlüsselspeicher</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="625"/>
        <source>The key store of %1 is unlocked.</source>
        <translation>Der Schlüsselspeicher von %1 ist entsperrt.</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="644"/>
        <source>Key store of %1</source>
        <translation>Schlüsselspeicher von %1</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="648"/>
        <source>The simulated network&apos;s key store lives as long as the session.</source>
        <translation>Der Schlüsselspeicher des simulierten Netzwerks lebt so lange wie die Sitzung.</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="662"/>
        <source>Personalizing needs an unlocked key store.</source>
        <translation>Personalisieren braucht einen entsperrten Schlüsselspeicher.</translation>
    </message>
    <message>
        <location filename="../../gui/app/mainwindow.cpp" line="682"/>
        <source>Whitelists need the key store of %1 unlocked.</source>
        <translation>Whitelists brauchen den entsperrten Schlüsselspeicher von %1.</translation>
    </message>
</context>
<context>
    <name>Warden::Internal::NodeDetails</name>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="43"/>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="44"/>
        <source>Type</source>
        <translation>Typ</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="45"/>
        <source>Library</source>
        <translation>Bibliothek</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="46"/>
        <source>Parent</source>
        <translation>Elternknoten</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="47"/>
        <source>Battery</source>
        <translation>Batterie</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="48"/>
        <source>First seen</source>
        <translation>Zuerst gesehen</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="49"/>
        <source>Last seen</source>
        <translation>Zuletzt gesehen</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="50"/>
        <source>Last heartbeat</source>
        <translation>Letztes Lebenszeichen</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="51"/>
        <source>Signal</source>
        <translation>Signal</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="52"/>
        <source>Serial</source>
        <translation>Seriennummer</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="53"/>
        <source>Link key</source>
        <translation>Link-Schlüssel</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="54"/>
        <source>Management key</source>
        <translation>Verwaltungsschlüssel</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="55"/>
        <source>Requires</source>
        <translation>Verlangt</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="56"/>
        <location filename="../../gui/views/nodedetailsview.cpp" line="200"/>
        <location filename="../../gui/views/nodedetailsview.cpp" line="202"/>
        <source>State</source>
        <translation>Zustand</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="62"/>
        <source>never</source>
        <translation>nie</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="72"/>
        <source>pending</source>
        <translation>ausstehend</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="74"/>
        <source>running</source>
        <translation>läuft</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="76"/>
        <source>applied</source>
        <translation>angewendet</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="78"/>
        <source>failed</source>
        <translation>fehlgeschlagen</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="80"/>
        <source>cancelled</source>
        <translation>abgebrochen</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="98"/>
        <source>remove node %1</source>
        <translation>Knoten %1 entfernen</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="101"/>
        <source>add node %1</source>
        <translation>Knoten %1 hinzufügen</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="105"/>
        <source>replace with nodes %1</source>
        <translation>durch die Knoten %1 ersetzen</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="196"/>
        <source>Child</source>
        <translation>Kind</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="196"/>
        <source>Sensor</source>
        <translation>Sensor</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="196"/>
        <source>Description</source>
        <translation>Beschreibung</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="196"/>
        <source>Value type</source>
        <translation>Werttyp</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="197"/>
        <source>Value</source>
        <translation>Wert</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="197"/>
        <location filename="../../gui/views/nodedetailsview.cpp" line="203"/>
        <source>When</source>
        <translation>Wann</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="199"/>
        <source>Verdict</source>
        <translation>Urteil</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="199"/>
        <source>Frames</source>
        <translation>Frames</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="200"/>
        <location filename="../../gui/views/nodedetailsview.cpp" line="202"/>
        <source>Job</source>
        <translation>Auftrag</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="200"/>
        <source>Change</source>
        <translation>Änderung</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="200"/>
        <source>Detail</source>
        <translation>Detail</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="202"/>
        <source>Operation</source>
        <translation>Vorgang</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="202"/>
        <source>Attempts</source>
        <translation>Versuche</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="202"/>
        <source>Last word</source>
        <translation>Letzte Meldung</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="203"/>
        <source>Who</source>
        <translation>Wer</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="203"/>
        <source>What</source>
        <translation>Was</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="203"/>
        <source>Why</source>
        <translation>Warum</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="203"/>
        <source>Details</source>
        <translation>Details</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="207"/>
        <location filename="../../gui/views/nodedetailsview.cpp" line="394"/>
        <source>Node %1</source>
        <translation>Knoten %1</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="209"/>
        <source>&amp;Overview</source>
        <translation>Ü&amp;bersicht</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="210"/>
        <source>C&amp;hildren</source>
        <translation>&amp;Kinder</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="212"/>
        <source>Si&amp;gning</source>
        <translation>Si&amp;gnieren</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="214"/>
        <source>The whitelist changes Warden pushed to this node over the management channel.</source>
        <translation>Die Whitelist-Änderungen, die Warden über den Verwaltungskanal an diesen Knoten geschickt hat.</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="216"/>
        <source>&amp;Whitelist</source>
        <translation>&amp;Whitelist</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="217"/>
        <source>&amp;Jobs</source>
        <translation>&amp;Aufträge</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="218"/>
        <source>A&amp;udit</source>
        <translation>A&amp;udit</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="220"/>
        <source>Re&amp;boot…</source>
        <translation>Neustar&amp;t…</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="221"/>
        <source>&amp;Push configuration…</source>
        <translation>Konfiguration &amp;übertragen…</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="222"/>
        <source>&amp;Revoke…</source>
        <translation>Wider&amp;rufen…</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="223"/>
        <source>Re-&amp;admit…</source>
        <translation>Wieder &amp;zulassen…</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="224"/>
        <source>Re&amp;fresh</source>
        <translation>Aktua&amp;lisieren</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="225"/>
        <source>&amp;Close</source>
        <translation>&amp;Schließen</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="295"/>
        <source>a number or a text (25 bytes at most)</source>
        <translation>eine Zahl oder ein Text (höchstens 25 Bytes)</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="296"/>
        <source>&amp;Send</source>
        <translation>Sen&amp;den</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="298"/>
        <source>C&amp;hild:</source>
        <translation>K&amp;ind:</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="300"/>
        <source>T&amp;ype:</source>
        <translation>T&amp;yp:</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="302"/>
        <source>&amp;Value:</source>
        <translation>W&amp;ert:</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="316"/>
        <source>Send a value (signed when the node requires it):</source>
        <translation>Einen Wert senden (signiert, wenn der Knoten es verlangt):</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="370"/>
        <source>The inventory could not be read: %1</source>
        <translation>Das Inventar konnte nicht gelesen werden: %1</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="386"/>
        <source>The network&apos;s security service is not running: this is what was last known, and nothing can be done to the node now.</source>
        <translation>Der Sicherheitsdienst des Netzwerks läuft nicht: Dies ist der zuletzt bekannte Stand, und mit dem Knoten kann jetzt nichts getan werden.</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="395"/>
        <source>Node %1 (%2)</source>
        <translation>Knoten %1 (%2)</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="397"/>
        <location filename="../../gui/views/nodedetailsview.cpp" line="401"/>
        <location filename="../../gui/views/nodedetailsview.cpp" line="461"/>
        <source>(not presented)</source>
        <translation>(nicht vorgestellt)</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="398"/>
        <source>%1 %2</source>
        <translation>%1 %2</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="399"/>
        <source>repeater</source>
        <translation>Repeater</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="400"/>
        <source>node</source>
        <translation>Knoten</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="403"/>
        <location filename="../../gui/views/nodedetailsview.cpp" line="405"/>
        <source>(unknown)</source>
        <translation>(unbekannt)</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="406"/>
        <source>the gateway (node 0)</source>
        <translation>das Gateway (Knoten 0)</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="408"/>
        <source>node %1 (distance to the gateway not reported)</source>
        <translation>Knoten %1 (Entfernung zum Gateway nicht gemeldet)</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="409"/>
        <source>node %1, %2 hop(s) from the gateway</source>
        <translation>Knoten %1, %2 Hop(s) vom Gateway</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="411"/>
        <location filename="../../gui/views/nodedetailsview.cpp" line="417"/>
        <source>(not reported)</source>
        <translation>(nicht gemeldet)</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="411"/>
        <source>%1 %</source>
        <translation>%1 %</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="418"/>
        <source>%1 (%2) at %3</source>
        <translation>%1 (%2) um %3</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="422"/>
        <source>(none on file)</source>
        <translation>(keine hinterlegt)</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="427"/>
        <source>its own, %1</source>
        <translation>ein eigener, %1</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="428"/>
        <source>the shared network key (epoch %1)</source>
        <translation>der gemeinsame Netzwerkschlüssel (Epoche %1)</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="429"/>
        <source>the shared network key</source>
        <translation>der gemeinsame Netzwerkschlüssel</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="434"/>
        <source>none (deleted at the revocation)</source>
        <translation>keiner (beim Widerruf gelöscht)</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="435"/>
        <source>%1, deleted at the revocation</source>
        <translation>%1, beim Widerruf gelöscht</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="437"/>
        <source>none (a stock node: changed over USB only)</source>
        <translation>keiner (ein Standardknoten: nur über USB änderbar)</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="441"/>
        <source>signed frames</source>
        <translation>signierte Frames</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="443"/>
        <source>whitelisting</source>
        <translation>Whitelisting</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="445"/>
        <source>nothing: its frames can be forged</source>
        <translation>nichts: Seine Frames können gefälscht werden</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="446"/>
        <source> and </source>
        <translation> und </translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="447"/>
        <source>revoked: every frame from it is dropped</source>
        <translation>widerrufen: Jeder Frame von ihm wird verworfen</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="449"/>
        <source>locked after failed verifications</source>
        <translation>nach fehlgeschlagenen Prüfungen gesperrt</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="450"/>
        <source>accepted</source>
        <translation>akzeptiert</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="452"/>
        <source>; id quarantined</source>
        <translation>; ID in Quarantäne</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="486"/>
        <source>%1 frame(s) from this node; %2 failed verification.</source>
        <translation>%1 Frame(s) von diesem Knoten; bei %2 schlug die Prüfung fehl.</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="500"/>
        <source>waiting for the node to wake up</source>
        <translation>wartet, bis der Knoten aufwacht</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="538"/>
        <source>Type the value to send first.</source>
        <translation>Geben Sie zuerst den zu sendenden Wert ein.</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="542"/>
        <source>The value does not fit in a frame: at most 25 bytes of text, or a 32-bit number.</source>
        <translation>Der Wert passt nicht in einen Frame: höchstens 25 Bytes Text oder eine 32-Bit-Zahl.</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="548"/>
        <source>Not sent: %1</source>
        <translation>Nicht gesendet: %1</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="551"/>
        <source>Sent %1 = %2 to child %3.</source>
        <translation>%1 = %2 an Kind %3 gesendet.</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="558"/>
        <source>Reboot node %1?</source>
        <translation>Knoten %1 neu starten?</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="559"/>
        <source>Node %1 restarts now: it is away for a few seconds and presents itself again.</source>
        <translation>Knoten %1 startet jetzt neu: Er ist einige Sekunden weg und stellt sich dann erneut vor.</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="569"/>
        <source>Reboot sent to node %1.</source>
        <translation>Neustart an Knoten %1 gesendet.</translation>
    </message>
    <message>
        <location filename="../../gui/views/nodedetailsview.cpp" line="570"/>
        <source>Reboot not sent: %1</source>
        <translation>Neustart nicht gesendet: %1</translation>
    </message>
</context>
<context>
    <name>Warden::Internal::NodeInventoryModel</name>
    <message>
        <location filename="../../gui/models/nodeinventorymodel.cpp" line="19"/>
        <source>yes</source>
        <translation>ja</translation>
    </message>
    <message>
        <location filename="../../gui/models/nodeinventorymodel.cpp" line="19"/>
        <source>no</source>
        <translation>nein</translation>
    </message>
    <message>
        <location filename="../../gui/models/nodeinventorymodel.cpp" line="25"/>
        <source>never</source>
        <translation>nie</translation>
    </message>
    <message>
        <location filename="../../gui/models/nodeinventorymodel.cpp" line="47"/>
        <source>revoked</source>
        <translation>widerrufen</translation>
    </message>
    <message>
        <location filename="../../gui/models/nodeinventorymodel.cpp" line="49"/>
        <source>failing verification</source>
        <translation>Prüfung schlägt fehl</translation>
    </message>
    <message>
        <location filename="../../gui/models/nodeinventorymodel.cpp" line="51"/>
        <source>not signing</source>
        <translation>signiert nicht</translation>
    </message>
    <message>
        <location filename="../../gui/models/nodeinventorymodel.cpp" line="53"/>
        <source>signed, shared key</source>
        <translation>signiert, gemeinsamer Schlüssel</translation>
    </message>
    <message>
        <location filename="../../gui/models/nodeinventorymodel.cpp" line="55"/>
        <source>signed, own key</source>
        <translation>signiert, eigener Schlüssel</translation>
    </message>
    <message>
        <location filename="../../gui/models/nodeinventorymodel.cpp" line="290"/>
        <source>%1 %</source>
        <translation>%1 %</translation>
    </message>
    <message>
        <location filename="../../gui/models/nodeinventorymodel.cpp" line="300"/>
        <source>shared</source>
        <translation>gemeinsam</translation>
    </message>
    <message>
        <location filename="../../gui/models/nodeinventorymodel.cpp" line="301"/>
        <source>own (%1)</source>
        <translation>eigener (%1)</translation>
    </message>
    <message>
        <location filename="../../gui/models/nodeinventorymodel.cpp" line="388"/>
        <source>Network</source>
        <translation>Netzwerk</translation>
    </message>
    <message>
        <location filename="../../gui/models/nodeinventorymodel.cpp" line="390"/>
        <source>Id</source>
        <translation>ID</translation>
    </message>
    <message>
        <location filename="../../gui/models/nodeinventorymodel.cpp" line="392"/>
        <source>Sketch</source>
        <translation>Sketch</translation>
    </message>
    <message>
        <location filename="../../gui/models/nodeinventorymodel.cpp" line="394"/>
        <source>Version</source>
        <translation>Version</translation>
    </message>
    <message>
        <location filename="../../gui/models/nodeinventorymodel.cpp" line="396"/>
        <source>Parent</source>
        <translation>Elternknoten</translation>
    </message>
    <message>
        <location filename="../../gui/models/nodeinventorymodel.cpp" line="398"/>
        <source>Battery</source>
        <translation>Batterie</translation>
    </message>
    <message>
        <location filename="../../gui/models/nodeinventorymodel.cpp" line="400"/>
        <source>Last seen</source>
        <translation>Zuletzt gesehen</translation>
    </message>
    <message>
        <location filename="../../gui/models/nodeinventorymodel.cpp" line="402"/>
        <source>Signing</source>
        <translation>Signieren</translation>
    </message>
    <message>
        <location filename="../../gui/models/nodeinventorymodel.cpp" line="404"/>
        <source>Whitelisting</source>
        <translation>Whitelisting</translation>
    </message>
    <message>
        <location filename="../../gui/models/nodeinventorymodel.cpp" line="406"/>
        <source>Key epoch</source>
        <translation>Schlüsselepoche</translation>
    </message>
    <message>
        <location filename="../../gui/models/nodeinventorymodel.cpp" line="408"/>
        <source>Link key</source>
        <translation>Link-Schlüssel</translation>
    </message>
    <message>
        <location filename="../../gui/models/nodeinventorymodel.cpp" line="410"/>
        <source>Failures</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <location filename="../../gui/models/nodeinventorymodel.cpp" line="412"/>
        <source>Security</source>
        <translation>Sicherheit</translation>
    </message>
</context>
<context>
    <name>Warden::Internal::Passphrase</name>
    <message>
        <location filename="../../gui/dialogs/passphraseinput.cpp" line="63"/>
        <source>Weak: use at least %1 characters; a few unrelated words are best.</source>
        <translation>Schwach: Verwenden Sie mindestens %1 Zeichen; einige voneinander unabhängige Wörter sind am besten.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/passphraseinput.cpp" line="68"/>
        <source>Fair: longer is better (20 characters or more).</source>
        <translation>Mittel: Länger ist besser (20 Zeichen oder mehr).</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/passphraseinput.cpp" line="71"/>
        <source>Strong.</source>
        <translation>Stark.</translation>
    </message>
</context>
<context>
    <name>Warden::Internal::PersonalizationDialog</name>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="99"/>
        <source>Personalize a node</source>
        <translation>Einen Knoten personalisieren</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="100"/>
        <source>Warden node (&amp;USB)</source>
        <translation>Warden-Knoten (&amp;USB)</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="101"/>
        <source>S&amp;tock MySensors node</source>
        <translation>MySensors-S&amp;tandardknoten</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="102"/>
        <source>Close</source>
        <translation>Schließen</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="143"/>
        <source>Serial port</source>
        <translation>Serielle Schnittstelle</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="145"/>
        <source>R&amp;efresh</source>
        <translation>A&amp;ktualisieren</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="147"/>
        <source>&amp;Detect</source>
        <translation>E&amp;rkennen</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="148"/>
        <source>Opens the port and asks the board for its firmware and keys (fingerprints only).</source>
        <translation>Öffnet die Schnittstelle und fragt die Platine nach ihrer Firmware und ihren Schlüsseln (nur Fingerabdrücke).</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="152"/>
        <source>Plug the node in over USB, pick its port and detect it.</source>
        <translation>Schließen Sie den Knoten über USB an, wählen Sie seine Schnittstelle und erkennen Sie ihn.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="155"/>
        <source>&amp;Flash Warden firmware...</source>
        <translation>Warden-Firmware &amp;flashen...</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="156"/>
        <source>Writes a Warden firmware image into the board through its Arduino bootloader (avrdude), replacing the program it runs.</source>
        <translation>Schreibt ein Warden-Firmware-Image über den Arduino-Bootloader (avrdude) auf die Platine und ersetzt das Programm, das sie ausführt.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="160"/>
        <source>&amp;Port:</source>
        <translation>Sc&amp;hnittstelle:</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="169"/>
        <source>What to write</source>
        <translation>Was geschrieben wird</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="172"/>
        <source>Node id</source>
        <translation>Knoten-ID</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="174"/>
        <source>Network key</source>
        <translation>Netzwerkschlüssel</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="175"/>
        <source>Give it a link key of its &amp;own</source>
        <translation>Ihm einen &amp;eigenen Link-Schlüssel geben</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="176"/>
        <source>A key only this node and the gateway know: losing the node then exposes no other node.</source>
        <translation>Ein Schlüssel, den nur dieser Knoten und das Gateway kennen: Der Verlust des Knotens legt dann keinen anderen Knoten offen.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="178"/>
        <source>&amp;Whitelist the gateway&apos;s serial</source>
        <translation>Die Seriennummer des Gateways auf die &amp;Whitelist setzen</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="181"/>
        <source>Policy</source>
        <translation>Richtlinie</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="182"/>
        <source>Default: signatures, and whitelisting when the gateway is listed</source>
        <translation>Standard: Signaturen, und Whitelisting, wenn das Gateway eingetragen ist</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="183"/>
        <source>Signatures and whitelisting</source>
        <translation>Signaturen und Whitelisting</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="184"/>
        <source>Signatures only</source>
        <translation>Nur Signaturen</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="185"/>
        <source>Nothing required (not recommended)</source>
        <translation>Nichts verlangt (nicht empfohlen)</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="186"/>
        <source>Repl&amp;ace the keys the store holds for this id</source>
        <translation>Die im Speicher für diese ID hinterlegten Schlüssel ersetze&amp;n</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="187"/>
        <source>Readmit this re&amp;voked node with the new keys</source>
        <translation>Diesen widerrufenen Knoten mit den neuen Schlüsseln wieder &amp;zulassen</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="189"/>
        <source>Why it is trusted again (for the audit log)</source>
        <translation>Warum ihm wieder vertraut wird (für das Audit-Protokoll)</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="190"/>
        <source>Reason for the readmission</source>
        <translation>Grund für die Wiederzulassung</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="194"/>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="315"/>
        <source>Node &amp;id:</source>
        <translation>Knoten-&amp;ID:</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="197"/>
        <source>Network &amp;key:</source>
        <translation>Netzwerks&amp;chlüssel:</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="200"/>
        <source>Po&amp;licy:</source>
        <translation>Richt&amp;linie:</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="209"/>
        <source>Per&amp;sonalize</source>
        <translation>Per&amp;sonalisieren</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="212"/>
        <source>&amp;Cancel the personalization</source>
        <translation>Personalisierung &amp;abbrechen</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="219"/>
        <source>Progress</source>
        <translation>Fortschritt</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="229"/>
        <source>The node</source>
        <translation>Der Knoten</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="235"/>
        <source>QR label</source>
        <translation>QR-Etikett</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="238"/>
        <source>Save the la&amp;bel...</source>
        <translation>Etikett s&amp;peichern...</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="242"/>
        <source>Save the label as</source>
        <translation>Etikett speichern unter</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="244"/>
        <source>PNG image (*.png);;SVG drawing (*.svg)</source>
        <translation>PNG-Bild (*.png);;SVG-Zeichnung (*.svg)</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="248"/>
        <source>The label was not saved: %1</source>
        <translation>Das Etikett wurde nicht gespeichert: %1</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="250"/>
        <source>Label saved to %1.</source>
        <translation>Etikett nach %1 gespeichert.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="252"/>
        <source>Pri&amp;nt the label...</source>
        <translation>Etikett &amp;drucken...</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="257"/>
        <source>Serial:</source>
        <translation>Seriennummer:</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="258"/>
        <source>Link key:</source>
        <translation>Link-Schlüssel:</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="259"/>
        <source>Network key:</source>
        <translation>Netzwerkschlüssel:</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="260"/>
        <source>Management key:</source>
        <translation>Verwaltungsschlüssel:</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="291"/>
        <source>A node running stock MySensors firmware is personalized with MySensors&apos; own SecurityPersonalizer sketch. Paste these snippets into it, into the node&apos;s sketch and into the Linux gateway&apos;s configuration.</source>
        <translation>Ein Knoten mit MySensors-Standardfirmware wird mit MySensors&apos; eigenem SecurityPersonalizer-Sketch personalisiert. Fügen Sie diese Schnipsel dort, in den Sketch des Knotens und in die Konfiguration des Linux-Gateways ein.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="297"/>
        <source>These snippets contain your network key. Anyone who reads them can sign as any node of this network: paste them only into your own sketches, do not share or store them, and close this window when done (it clears them).</source>
        <translation>Diese Schnipsel enthalten Ihren Netzwerkschlüssel. Wer sie liest, kann als jeder Knoten dieses Netzwerks signieren: Fügen Sie sie nur in Ihre eigenen Sketches ein, geben Sie sie nicht weiter, speichern Sie sie nicht und schließen Sie dieses Fenster danach (es löscht sie).</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="306"/>
        <source>Stock node id</source>
        <translation>Knoten-ID des Standardknotens</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="307"/>
        <source>S&amp;how the snippets</source>
        <translation>Schnipsel &amp;anzeigen</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="308"/>
        <source>A node without a serial in the key store gets a new random one, saved there: the gateway needs it to whitelist the node.</source>
        <translation>Ein Knoten ohne Seriennummer im Schlüsselspeicher bekommt eine neue zufällige, die dort gespeichert wird: Das Gateway braucht sie, um den Knoten auf die Whitelist zu setzen.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="323"/>
        <source>SecurityPersonalizer definitions</source>
        <translation>SecurityPersonalizer-Definitionen</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="324"/>
        <source>Node whitelist</source>
        <translation>Whitelist des Knotens</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="325"/>
        <source>Linux gateway</source>
        <translation>Linux-Gateway</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="326"/>
        <source>&amp;Copy</source>
        <translation>&amp;Kopieren</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="327"/>
        <source>C&amp;opy</source>
        <translation>K&amp;opieren</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="328"/>
        <source>Cop&amp;y</source>
        <translation>Kop&amp;ieren</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="333"/>
        <source>Copied. Clear the clipboard once pasted.</source>
        <translation>Kopiert. Leeren Sie die Zwischenablage nach dem Einfügen.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="348"/>
        <source>SecurityPersonalizer sketch (paste above its setup):</source>
        <translation>SecurityPersonalizer-Sketch (oberhalb seines setup einfügen):</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="350"/>
        <source>The node&apos;s sketch (MY_SIGNING_NODE_WHITELISTING):</source>
        <translation>Der Sketch des Knotens (MY_SIGNING_NODE_WHITELISTING):</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="352"/>
        <source>Linux gateway (mysensors.conf key lines, configure option):</source>
        <translation>Linux-Gateway (Schlüsselzeilen der mysensors.conf, configure-Option):</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="381"/>
        <source>No serial port found. Plug the node in and refresh, or type the port&apos;s path.</source>
        <translation>Keine serielle Schnittstelle gefunden. Schließen Sie den Knoten an und aktualisieren Sie, oder geben Sie den Pfad der Schnittstelle ein.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="396"/>
        <source>The active network key</source>
        <translation>Der aktive Netzwerkschlüssel</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="401"/>
        <source>Epoch %1 (%2), %3</source>
        <translation>Epoche %1 (%2), %3</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="403"/>
        <source>active</source>
        <translation>aktiv</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="403"/>
        <source>pending</source>
        <translation>ausstehend</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="427"/>
        <source>Pick a serial port first.</source>
        <translation>Wählen Sie zuerst eine serielle Schnittstelle.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="433"/>
        <source>The port %1 does not open: %2</source>
        <translation>Die Schnittstelle %1 lässt sich nicht öffnen: %2</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="480"/>
        <source>Asking the board on %1...</source>
        <translation>Frage die Platine an %1...</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="524"/>
        <source>Personalizing node %1: the keys are saved in the key store, written to the node and read back...</source>
        <translation>Personalisiere Knoten %1: Die Schlüssel werden im Schlüsselspeicher gesichert, auf den Knoten geschrieben und zurückgelesen...</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="534"/>
        <source>Cancelled. </source>
        <translation>Abgebrochen. </translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="535"/>
        <source>Node %1 was not personalized: %2</source>
        <translation>Knoten %1 wurde nicht personalisiert: %2</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="544"/>
        <source>Node %1 is personalized and readmitted; it is in the inventory.</source>
        <translation>Knoten %1 ist personalisiert und wieder zugelassen; er ist im Inventar.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="547"/>
        <source>Node %1 is personalized and in the inventory.</source>
        <translation>Knoten %1 ist personalisiert und im Inventar.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="584"/>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="585"/>
        <source>Another .hex file...</source>
        <translation>Eine andere .hex-Datei...</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="589"/>
        <source>Flash Warden firmware</source>
        <translation>Warden-Firmware flashen</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="590"/>
        <source>Image for the board on %1:</source>
        <translation>Image für die Platine an %1:</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="594"/>
        <source>Firmware image</source>
        <translation>Firmware-Image</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="595"/>
        <source>Intel HEX images (*.hex)</source>
        <translation>Intel-HEX-Images (*.hex)</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="606"/>
        <source>Replace the board&apos;s program?</source>
        <translation>Das Programm der Platine ersetzen?</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="607"/>
        <source>The program the board on %1 runs now is replaced by %2. This cannot be undone here (keep the old program&apos;s .hex if you want it back). The board&apos;s EEPROM is kept.

Flash it?</source>
        <translation>Das Programm, das die Platine an %1 jetzt ausführt, wird durch %2 ersetzt. Das lässt sich hier nicht rückgängig machen (bewahren Sie die .hex-Datei des alten Programms auf, wenn Sie es zurückhaben wollen). Das EEPROM der Platine bleibt erhalten.

Jetzt flashen?</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="622"/>
        <source>Busy with the board.</source>
        <translation>Die Platine ist beschäftigt.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="634"/>
        <source>Waiting for the board&apos;s bootloader...</source>
        <translation>Warte auf den Bootloader der Platine...</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="636"/>
        <source>Writing the firmware (%1 %)...</source>
        <translation>Schreibe die Firmware (%1 %)...</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="637"/>
        <source>Verifying what was written (%1 %)...</source>
        <translation>Prüfe das Geschriebene (%1 %)...</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="642"/>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="654"/>
        <source>Not flashed: %1</source>
        <translation>Nicht geflasht: %1</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="658"/>
        <source>Flashed and verified (%1 bytes). Asking the board again...</source>
        <translation>Geflasht und geprüft (%1 Bytes). Frage die Platine erneut...</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="661"/>
        <source>Flashed and verified (%1 bytes); the board runs Warden firmware %2.</source>
        <translation>Geflasht und geprüft (%1 Bytes); die Platine läuft mit Warden-Firmware %2.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="666"/>
        <source>Flashed and verified (%1 bytes), but no Warden firmware answers yet: see above.</source>
        <translation>Geflasht und geprüft (%1 Bytes), aber noch antwortet keine Warden-Firmware: siehe oben.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="674"/>
        <source>none</source>
        <translation>keiner</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="680"/>
        <source>%1 (epoch %2)</source>
        <translation>%1 (Epoche %2)</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="701"/>
        <source>No QR label: %1</source>
        <translation>Kein QR-Etikett: %1</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="711"/>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="726"/>
        <source>There is no label yet: personalize a node first.</source>
        <translation>Es gibt noch kein Etikett: Personalisieren Sie zuerst einen Knoten.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="719"/>
        <source>%1 cannot be written: %2</source>
        <translation>%1 kann nicht geschrieben werden: %2</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="732"/>
        <source>The label&apos;s picture cannot be drawn.</source>
        <translation>Das Bild des Etiketts lässt sich nicht zeichnen.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="735"/>
        <source>The printer cannot be drawn on.</source>
        <translation>Auf dem Drucker lässt sich nicht zeichnen.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="740"/>
        <source>Node %1
Serial %2
Key %3</source>
        <translation>Knoten %1
Seriennummer %2
Schlüssel %3</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="746"/>
        <source>The printer did not take the page.</source>
        <translation>Der Drucker hat die Seite nicht angenommen.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="760"/>
        <source>Print the label</source>
        <translation>Etikett drucken</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="786"/>
        <source>The key store has no active network key, so there is nothing to give a stock node yet.</source>
        <translation>Der Schlüsselspeicher hat keinen aktiven Netzwerkschlüssel, daher gibt es noch nichts für einen Standardknoten.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="808"/>
        <source>The new serial was not saved in the key store: %1</source>
        <translation>Die neue Seriennummer wurde nicht im Schlüsselspeicher gesichert: %1</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="813"/>
        <source>Node %1 got the new serial %2, saved in the key store. </source>
        <translation>Knoten %1 hat die neue Seriennummer %2 bekommen, gesichert im Schlüsselspeicher. </translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="833"/>
        <source>The snippets cannot be made: %1</source>
        <translation>Die Schnipsel können nicht erstellt werden: %1</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="847"/>
        <source>The key store has no gateway serial, so there are no gateway key lines. </source>
        <translation>Der Schlüsselspeicher hat keine Gateway-Seriennummer, daher gibt es keine Schlüsselzeilen für das Gateway. </translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/personalizationdialog.cpp" line="854"/>
        <source>Snippets for node %1 with the network key of epoch %2 (%3).</source>
        <translation>Schnipsel für Knoten %1 mit dem Netzwerkschlüssel der Epoche %2 (%3).</translation>
    </message>
</context>
<context>
    <name>Warden::Internal::RevokeDialog</name>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="34"/>
        <source>waiting</source>
        <translation>wartet</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="36"/>
        <source>sending</source>
        <translation>sendet</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="38"/>
        <source>removed</source>
        <translation>entfernt</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="40"/>
        <source>failed</source>
        <translation>fehlgeschlagen</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="42"/>
        <source>cancelled</source>
        <translation>abgebrochen</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="82"/>
        <source>node %1 (%2)</source>
        <translation>Knoten %1 (%2)</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="86"/>
        <source>node %1</source>
        <translation>Knoten %1</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="241"/>
        <source>Revoke %1</source>
        <translation>%1 widerrufen</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="247"/>
        <source>&amp;Rotate the network key now…</source>
        <translation>Netzwerkschlüssel jetzt &amp;rotieren…</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="248"/>
        <source>&amp;Revoke node %1</source>
        <translation>Knoten %1 &amp;widerrufen</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="249"/>
        <source>Re-&amp;admit node %1</source>
        <translation>Knoten %1 wieder &amp;zulassen</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="250"/>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="251"/>
        <source>&amp;Close</source>
        <translation>&amp;Schließen</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="291"/>
        <source>The network&apos;s security service is not running: nothing can be revoked now.</source>
        <translation>Der Sicherheitsdienst des Netzwerks läuft nicht: Jetzt kann nichts widerrufen werden.</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="296"/>
        <source>%1 is revoked. Re-admit it only after it was re-personalized over USB with a new serial or new keys: whoever has it knows its old secrets, so the old ones are never accepted again.

Re-admission lifts the block and the quarantine of id %2 and records who did it and why in the audit log.</source>
        <translation>%1 ist widerrufen. Lassen Sie ihn erst wieder zu, nachdem er über USB mit einer neuen Seriennummer oder neuen Schlüsseln neu personalisiert wurde: Wer ihn hat, kennt seine alten Geheimnisse, daher werden die alten nie wieder akzeptiert.

Die Wiederzulassung hebt die Sperre und die Quarantäne der ID %2 auf und hält im Audit-Protokoll fest, wer es warum getan hat.</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="307"/>
        <source>%1 cannot be revoked: %2</source>
        <translation>%1 kann nicht widerrufen werden: %2</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="325"/>
        <source>from the personalization (optional)</source>
        <translation>aus der Personalisierung (optional)</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="342"/>
        <source>e.g. stolen from the garden</source>
        <translation>z. B. aus dem Garten gestohlen</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="343"/>
        <source>R&amp;eason (for the audit log):</source>
        <translation>&amp;Grund (für das Audit-Protokoll):</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="380"/>
        <source>18 hex digits, from the node&apos;s new label</source>
        <translation>18 Hexziffern, vom neuen Etikett des Knotens</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="383"/>
        <source>New &amp;serial:</source>
        <translation>Neue Seriennu&amp;mmer:</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="384"/>
        <source>Rea&amp;son (for the audit log):</source>
        <translation>Gr&amp;und (für das Audit-Protokoll):</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="398"/>
        <source>• At once: the gateway blocks %1 and drops every frame from it.</source>
        <translation>• Sofort: Das Gateway sperrt %1 und verwirft jeden Frame von ihm.</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="401"/>
        <source>• Its serial %1 is refused from now on.</source>
        <translation>• Seine Seriennummer %1 wird ab jetzt abgelehnt.</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="404"/>
        <source>its link key %1</source>
        <translation>sein Link-Schlüssel %1</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="406"/>
        <source>its management key %1</source>
        <translation>sein Verwaltungsschlüssel %1</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="408"/>
        <source>• %1 will be deleted from the key store.</source>
        <translation>• %1 wird aus dem Schlüsselspeicher gelöscht.</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="408"/>
        <source> and </source>
        <translation> und </translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="409"/>
        <source>• Id %1 will never be given to another node.</source>
        <translation>• Die ID %1 wird nie an einen anderen Knoten vergeben.</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="411"/>
        <source>• No whitelist lists it: there is nothing to remove from other nodes.</source>
        <translation>• Keine Whitelist führt ihn: Bei anderen Knoten ist nichts zu entfernen.</translation>
    </message>
    <message numerus="yes">
        <location filename="../../gui/views/revokedialog.cpp" line="413"/>
        <source>• It will be removed from the whitelists of %n node(s): %1.</source>
        <translation>
            <numerusform>• Er wird aus der Whitelist von %n Knoten entfernt: %1.</numerusform>
            <numerusform>• Er wird aus den Whitelists von %n Knoten entfernt: %1.</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="417"/>
        <source>• The shared network key of epoch %1 is burnt: %2 holds it.</source>
        <translation>• Der gemeinsame Netzwerkschlüssel der Epoche %1 ist verbrannt: %2 besitzt ihn.</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="421"/>
        <source>• No shared network key is burnt: its keys were its own.</source>
        <translation>• Kein gemeinsamer Netzwerkschlüssel ist verbrannt: Seine Schlüssel waren seine eigenen.</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="423"/>
        <source>• Nothing else stays exposed.</source>
        <translation>• Sonst bleibt nichts offengelegt.</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="425"/>
        <source>• Until the rotation is done, whoever has it can still:</source>
        <translation>• Bis die Rotation abgeschlossen ist, kann, wer ihn hat, weiterhin:</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="430"/>
        <source>• Next: a key rotation (%1). You can start it from here once the node is revoked.</source>
        <translation>• Als Nächstes: eine Schlüsselrotation (%1). Sie können sie von hier aus starten, sobald der Knoten widerrufen ist.</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="433"/>
        <source>• This cannot be undone: only re-personalizing the node over USB lets it back.</source>
        <translation>• Dies lässt sich nicht rückgängig machen: Nur eine neue Personalisierung des Knotens über USB lässt ihn wieder zu.</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="457"/>
        <source>Revoke %1?</source>
        <translation>%1 widerrufen?</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="481"/>
        <source>Not revoked: the network&apos;s security service is not running.</source>
        <translation>Nicht widerrufen: Der Sicherheitsdienst des Netzwerks läuft nicht.</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="487"/>
        <source>Not revoked: %1</source>
        <translation>Nicht widerrufen: %1</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="505"/>
        <source>No whitelist lists it: nothing to remove.</source>
        <translation>Keine Whitelist führt ihn: Es ist nichts zu entfernen.</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="506"/>
        <source>Whitelist removals: %1 of %2 applied, %3 failed.</source>
        <translation>Whitelist-Entfernungen: %1 von %2 angewendet, %3 fehlgeschlagen.</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="512"/>
        <source>Not done: %1</source>
        <translation>Nicht erledigt: %1</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="514"/>
        <source>%1 is blocked. Removing it from the whitelists of the other nodes; sleeping nodes are done when they next wake up.</source>
        <translation>%1 ist gesperrt. Er wird aus den Whitelists der anderen Knoten entfernt; schlafende Knoten sind dran, wenn sie das nächste Mal aufwachen.</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="522"/>
        <source>%1 is revoked: its frames are dropped and its id is quarantined.</source>
        <translation>%1 ist widerrufen: Seine Frames werden verworfen und seine ID ist in Quarantäne.</translation>
    </message>
    <message numerus="yes">
        <location filename="../../gui/views/revokedialog.cpp" line="526"/>
        <source>%n whitelist removal(s) failed: see the table; push them again from the whitelist editor.</source>
        <translation>
            <numerusform>%n Whitelist-Entfernung ist fehlgeschlagen: siehe Tabelle; übertragen Sie sie erneut aus dem Whitelist-Editor.</numerusform>
            <numerusform>%n Whitelist-Entfernungen sind fehlgeschlagen: siehe Tabelle; übertragen Sie sie erneut aus dem Whitelist-Editor.</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="532"/>
        <source>The shared network key of epoch %1 is burnt. Next step: rotate the network key (%2).</source>
        <translation>Der gemeinsame Netzwerkschlüssel der Epoche %1 ist verbrannt. Nächster Schritt: den Netzwerkschlüssel rotieren (%2).</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="539"/>
        <source>No shared key was burnt: no rotation is needed.</source>
        <translation>Kein gemeinsamer Schlüssel wurde verbrannt: Es ist keine Rotation nötig.</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="563"/>
        <source>Not re-admitted: the network&apos;s security service is not running.</source>
        <translation>Nicht wieder zugelassen: Der Sicherheitsdienst des Netzwerks läuft nicht.</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="572"/>
        <source>The new serial must be 18 hex digits (9 bytes).</source>
        <translation>Die neue Seriennummer muss aus 18 Hexziffern (9 Bytes) bestehen.</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="580"/>
        <source>Not re-admitted: %1</source>
        <translation>Nicht wieder zugelassen: %1</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="585"/>
        <source>%1 is re-admitted: its frames are accepted again.</source>
        <translation>%1 ist wieder zugelassen: Seine Frames werden wieder akzeptiert.</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="588"/>
        <source>Serial: %1</source>
        <translation>Seriennummer: %1</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="590"/>
        <source>Link key: %1</source>
        <translation>Link-Schlüssel: %1</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="592"/>
        <source>Management key: %1</source>
        <translation>Verwaltungsschlüssel: %1</translation>
    </message>
</context>
<context>
    <name>Warden::Internal::RevokeProgressModel</name>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="176"/>
        <source>acknowledged by the node</source>
        <translation>vom Knoten bestätigt</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="223"/>
        <source>Node</source>
        <translation>Knoten</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="225"/>
        <source>Whitelist removal</source>
        <translation>Whitelist-Entfernung</translation>
    </message>
    <message>
        <location filename="../../gui/views/revokedialog.cpp" line="227"/>
        <source>Detail</source>
        <translation>Detail</translation>
    </message>
</context>
<context>
    <name>Warden::Internal::RotationNodeModel</name>
    <message>
        <location filename="../../gui/wizards/rotationnodemodel.cpp" line="11"/>
        <source>waiting for delivery</source>
        <translation>wartet auf Zustellung</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationnodemodel.cpp" line="13"/>
        <source>delivering the new key</source>
        <translation>stellt den neuen Schlüssel zu</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationnodemodel.cpp" line="15"/>
        <source>holds the new key</source>
        <translation>hat den neuen Schlüssel</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationnodemodel.cpp" line="17"/>
        <source>switching to the new key</source>
        <translation>wechselt zum neuen Schlüssel</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationnodemodel.cpp" line="19"/>
        <source>awaiting USB re-personalization</source>
        <translation>wartet auf USB-Neupersonalisierung</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationnodemodel.cpp" line="21"/>
        <source>uses the new key</source>
        <translation>verwendet den neuen Schlüssel</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationnodemodel.cpp" line="23"/>
        <source>failed</source>
        <translation>fehlgeschlagen</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationnodemodel.cpp" line="25"/>
        <source>excluded</source>
        <translation>ausgeschlossen</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationnodemodel.cpp" line="34"/>
        <source>over the air</source>
        <translation>über Funk</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationnodemodel.cpp" line="35"/>
        <source>USB</source>
        <translation>USB</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationnodemodel.cpp" line="129"/>
        <source>node %1</source>
        <translation>Knoten %1</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationnodemodel.cpp" line="133"/>
        <source>node %1 (%2)</source>
        <translation>Knoten %1 (%2)</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationnodemodel.cpp" line="145"/>
        <source>re-personalize it over USB with the new key, then mark the step done</source>
        <translation>über USB mit dem neuen Schlüssel neu personalisieren, dann den Schritt als erledigt markieren</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationnodemodel.cpp" line="164"/>
        <source>gets the new key</source>
        <translation>bekommt den neuen Schlüssel</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationnodemodel.cpp" line="164"/>
        <source>left out</source>
        <translation>ausgelassen</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationnodemodel.cpp" line="167"/>
        <source>no management key: re-personalize it over USB</source>
        <translation>kein Verwaltungsschlüssel: über USB neu personalisieren</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationnodemodel.cpp" line="236"/>
        <source>Node</source>
        <translation>Knoten</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationnodemodel.cpp" line="238"/>
        <source>How</source>
        <translation>Wie</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationnodemodel.cpp" line="240"/>
        <source>State</source>
        <translation>Zustand</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationnodemodel.cpp" line="242"/>
        <source>Detail</source>
        <translation>Detail</translation>
    </message>
</context>
<context>
    <name>Warden::Internal::RotationWizard</name>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="118"/>
        <source>Rotate the network key</source>
        <translation>Den Netzwerkschlüssel rotieren</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="121"/>
        <source>&amp;Start the rotation</source>
        <translation>Rotation &amp;starten</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="123"/>
        <source>&amp;Close</source>
        <translation>&amp;Schließen</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="137"/>
        <source>Assess</source>
        <translation>Bewerten</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="138"/>
        <source>Which key is burnt, and who needs the new one.</source>
        <translation>Welcher Schlüssel verbrannt ist und wer den neuen braucht.</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="154"/>
        <source>Plan</source>
        <translation>Plan</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="155"/>
        <source>Nodes with a management key get the new key over the air; the others need a USB re-personalization. Untick a node to leave it out: it keeps the old key and is cut off when that key retires.</source>
        <translation>Knoten mit Verwaltungsschlüssel bekommen den neuen Schlüssel über Funk; die anderen brauchen eine Neupersonalisierung über USB. Entfernen Sie den Haken bei einem Knoten, um ihn auszulassen: Er behält den alten Schlüssel und wird abgeschnitten, wenn dieser ausgemustert wird.</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="175"/>
        <source>Generate</source>
        <translation>Erzeugen</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="176"/>
        <source>The new network key is made and saved in the key store as pending.</source>
        <translation>Der neue Netzwerkschlüssel wird erzeugt und als ausstehend im Schlüsselspeicher gesichert.</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="190"/>
        <source>USB step &amp;done</source>
        <translation>USB-Schritt &amp;erledigt</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="191"/>
        <source>The selected stock node was re-personalized over USB with the new key: the gateway accepts the new key from it from now on.</source>
        <translation>Der ausgewählte Standardknoten wurde über USB mit dem neuen Schlüssel neu personalisiert: Das Gateway akzeptiert ab jetzt den neuen Schlüssel von ihm.</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="193"/>
        <source>&amp;Retry</source>
        <translation>&amp;Wiederholen</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="194"/>
        <source>E&amp;xclude…</source>
        <translation>&amp;Ausschließen…</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="195"/>
        <source>&amp;Give up the rotation…</source>
        <translation>Rotation auf&amp;geben…</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="196"/>
        <source>Possible until the first node uses the new key: the old key stays in use and the new one is never used.</source>
        <translation>Möglich, bis der erste Knoten den neuen Schlüssel verwendet: Der alte Schlüssel bleibt in Gebrauch und der neue wird nie verwendet.</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="222"/>
        <source>Deliver</source>
        <translation>Zustellen</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="223"/>
        <source>Each node gets the new key wrapped under its own management key and acknowledges it. Sleeping nodes get it when they next wake up. You can close this window: the rotation goes on and reopens here.</source>
        <translation>Jeder Knoten bekommt den neuen Schlüssel, verpackt unter seinem eigenen Verwaltungsschlüssel, und bestätigt ihn. Schlafende Knoten bekommen ihn, wenn sie das nächste Mal aufwachen. Sie können dieses Fenster schließen: Die Rotation läuft weiter und öffnet sich wieder hier.</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="235"/>
        <source>Activate</source>
        <translation>Aktivieren</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="236"/>
        <source>Each node switches to the new key; the gateway follows each one on its acknowledgement. The old key retires when every node uses the new one or is excluded.</source>
        <translation>Jeder Knoten wechselt zum neuen Schlüssel; das Gateway folgt jedem bei seiner Bestätigung. Der alte Schlüssel wird ausgemustert, wenn jeder Knoten den neuen verwendet oder ausgeschlossen ist.</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="244"/>
        <source>Report</source>
        <translation>Bericht</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="250"/>
        <source>&amp;Export the report…</source>
        <translation>Bericht &amp;exportieren…</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="316"/>
        <source>Waiting: %1 (tried again shortly)</source>
        <translation>Wartet: %1 (in Kürze neuer Versuch)</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="319"/>
        <source>The network&apos;s security service is not running: no rotation can be started or followed now.</source>
        <translation>Der Sicherheitsdienst des Netzwerks läuft nicht: Jetzt kann keine Rotation gestartet oder verfolgt werden.</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="329"/>
        <source>There is no active network key: there is nothing to rotate away from.</source>
        <translation>Es gibt keinen aktiven Netzwerkschlüssel: Es gibt nichts, wovon wegrotiert werden könnte.</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="336"/>
        <source>The shared network key of epoch %1 is burnt: node(s) %2 held it and are revoked.</source>
        <translation>Der gemeinsame Netzwerkschlüssel der Epoche %1 ist verbrannt: Die Knoten %2 hatten ihn und sind widerrufen.</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="341"/>
        <source>The active network key is epoch %1.</source>
        <translation>Der aktive Netzwerkschlüssel ist Epoche %1.</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="343"/>
        <source>A new key (epoch %1) replaces it.</source>
        <translation>Ein neuer Schlüssel (Epoche %1) ersetzt ihn.</translation>
    </message>
    <message numerus="yes">
        <location filename="../../gui/wizards/rotationwizard.cpp" line="344"/>
        <source>%n node(s) get it over the air</source>
        <translation>
            <numerusform>%n Knoten bekommt ihn über Funk</numerusform>
            <numerusform>%n Knoten bekommen ihn über Funk</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="348"/>
        <source>No node needs a USB re-personalization.</source>
        <translation>Kein Knoten braucht eine Neupersonalisierung über USB.</translation>
    </message>
    <message numerus="yes">
        <location filename="../../gui/wizards/rotationwizard.cpp" line="350"/>
        <source>%n node(s) need a USB re-personalization with the new key: %1.</source>
        <translation>
            <numerusform>%n Knoten braucht eine Neupersonalisierung über USB mit dem neuen Schlüssel: %1.</numerusform>
            <numerusform>%n Knoten brauchen eine Neupersonalisierung über USB mit dem neuen Schlüssel: %1.</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="354"/>
        <source>Left out: %1 (never given the new key).</source>
        <translation>Ausgelassen: %1 (bekommt den neuen Schlüssel nie).</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="356"/>
        <source>Until it completes, the old key stays accepted from nodes that have not switched yet.</source>
        <translation>Bis sie abgeschlossen ist, bleibt der alte Schlüssel von Knoten akzeptiert, die noch nicht gewechselt haben.</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="365"/>
        <source>No rotation to report.</source>
        <translation>Keine Rotation, über die zu berichten wäre.</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="367"/>
        <source>Warden key rotation report</source>
        <translation>Warden-Bericht zur Schlüsselrotation</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="378"/>
        <source>over the air</source>
        <translation>über Funk</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="379"/>
        <source>by USB</source>
        <translation>per USB</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="381"/>
        <source>node %1</source>
        <translation>Knoten %1</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="396"/>
        <source>the report cannot be written to %1: %2</source>
        <translation>der Bericht kann nicht nach %1 geschrieben werden: %2</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="401"/>
        <source>the report was not saved to %1: %2</source>
        <translation>der Bericht wurde nicht nach %1 gespeichert: %2</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="407"/>
        <source>Export the rotation report</source>
        <translation>Den Rotationsbericht exportieren</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="409"/>
        <source>Text files (*.txt)</source>
        <translation>Textdateien (*.txt)</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="416"/>
        <source>The report is saved to %1.</source>
        <translation>Der Bericht ist nach %1 gespeichert.</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="454"/>
        <source>node(s) %1 revoked: epoch %2 burnt</source>
        <translation>Knoten %1 widerrufen: Epoche %2 verbrannt</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="457"/>
        <source>rotation started from the console</source>
        <translation>Rotation aus der Konsole gestartet</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="460"/>
        <source>The rotation did not start: %1</source>
        <translation>Die Rotation wurde nicht gestartet: %1</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="479"/>
        <source>Leave node %1 out?</source>
        <translation>Knoten %1 auslassen?</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="480"/>
        <source>Node %1 will keep the old key and will be cut off when that key retires. Leave it out of the rotation?</source>
        <translation>Knoten %1 behält den alten Schlüssel und wird abgeschnitten, wenn dieser ausgemustert wird. Ihn aus der Rotation auslassen?</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="508"/>
        <source>Select a node in the table first.</source>
        <translation>Wählen Sie zuerst einen Knoten in der Tabelle aus.</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="513"/>
        <source>Exclude from the rotation?</source>
        <translation>Aus der Rotation ausschließen?</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="514"/>
        <source>Node(s) %1 will keep the old key and will be cut off when it retires; they need a USB re-personalization to join again. Exclude them?</source>
        <translation>Die Knoten %1 behalten den alten Schlüssel und werden abgeschnitten, wenn er ausgemustert wird; sie brauchen eine Neupersonalisierung über USB, um wieder dazuzugehören. Ausschließen?</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="523"/>
        <source>excluded in the rotation wizard</source>
        <translation>im Rotationsassistenten ausgeschlossen</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="546"/>
        <source>Give up the rotation?</source>
        <translation>Die Rotation aufgeben?</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="547"/>
        <source>The network keeps the old key (epoch %1), which stays exposed to whoever holds it. The new key is never used. Give the rotation up?</source>
        <translation>Das Netzwerk behält den alten Schlüssel (Epoche %1), der für jeden offengelegt bleibt, der ihn hat. Der neue Schlüssel wird nie verwendet. Die Rotation aufgeben?</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="554"/>
        <source>given up in the wizard</source>
        <translation>im Assistenten aufgegeben</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="557"/>
        <source>The rotation cannot be given up: %1</source>
        <translation>Die Rotation kann nicht aufgegeben werden: %1</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="569"/>
        <source>The new key of epoch %1 (%2) is in the key store as pending. It never leaves the gateway unwrapped.</source>
        <translation>Der neue Schlüssel der Epoche %1 (%2) liegt als ausstehend im Schlüsselspeicher. Er verlässt das Gateway nie unverpackt.</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="573"/>
        <source>Generating the new key of epoch %1…</source>
        <translation>Erzeuge den neuen Schlüssel der Epoche %1…</translation>
    </message>
    <message>
        <location filename="../../gui/wizards/rotationwizard.cpp" line="581"/>
        <source>%1 of %2 nodes use the new key, %3 excluded.</source>
        <translation>%1 von %2 Knoten verwenden den neuen Schlüssel, %3 ausgeschlossen.</translation>
    </message>
    <message numerus="yes">
        <location filename="../../gui/wizards/rotationwizard.cpp" line="587"/>
        <source>%n node(s) await their USB step: select them and press &quot;USB step done&quot; once re-personalized.</source>
        <translation>
            <numerusform>%n Knoten wartet auf seinen USB-Schritt: Wählen Sie ihn aus und drücken Sie „USB-Schritt erledigt“, sobald er neu personalisiert ist.</numerusform>
            <numerusform>%n Knoten warten auf ihren USB-Schritt: Wählen Sie sie aus und drücken Sie „USB-Schritt erledigt“, sobald sie neu personalisiert sind.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../gui/wizards/rotationwizard.cpp" line="592"/>
        <source>%n node(s) failed: retry or exclude them.</source>
        <translation>
            <numerusform>%n Knoten ist fehlgeschlagen: wiederholen oder ausschließen.</numerusform>
            <numerusform>%n Knoten sind fehlgeschlagen: wiederholen oder ausschließen.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../gui/wizards/rotationwizard.cpp" line="594"/>
        <source>%n node(s) still to go.</source>
        <translation>
            <numerusform>Noch %n Knoten ausstehend.</numerusform>
            <numerusform>Noch %n Knoten ausstehend.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Warden::Internal::TrafficModel</name>
    <message>
        <location filename="../../gui/models/trafficmodel.cpp" line="133"/>
        <source>out</source>
        <translation>aus</translation>
    </message>
    <message>
        <location filename="../../gui/models/trafficmodel.cpp" line="133"/>
        <source>in</source>
        <translation>ein</translation>
    </message>
    <message>
        <location filename="../../gui/models/trafficmodel.cpp" line="193"/>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <location filename="../../gui/models/trafficmodel.cpp" line="195"/>
        <source>Network</source>
        <translation>Netzwerk</translation>
    </message>
    <message>
        <location filename="../../gui/models/trafficmodel.cpp" line="197"/>
        <source>Dir</source>
        <translation>Richtung</translation>
    </message>
    <message>
        <location filename="../../gui/models/trafficmodel.cpp" line="199"/>
        <source>From</source>
        <translation>Von</translation>
    </message>
    <message>
        <location filename="../../gui/models/trafficmodel.cpp" line="201"/>
        <source>To</source>
        <translation>An</translation>
    </message>
    <message>
        <location filename="../../gui/models/trafficmodel.cpp" line="203"/>
        <source>Child</source>
        <translation>Kind</translation>
    </message>
    <message>
        <location filename="../../gui/models/trafficmodel.cpp" line="205"/>
        <source>Command</source>
        <translation>Befehl</translation>
    </message>
    <message>
        <location filename="../../gui/models/trafficmodel.cpp" line="207"/>
        <source>Type</source>
        <translation>Typ</translation>
    </message>
    <message>
        <location filename="../../gui/models/trafficmodel.cpp" line="209"/>
        <source>Payload</source>
        <translation>Nutzdaten</translation>
    </message>
    <message>
        <location filename="../../gui/models/trafficmodel.cpp" line="211"/>
        <source>Verdict</source>
        <translation>Urteil</translation>
    </message>
    <message>
        <location filename="../../gui/models/trafficmodel.cpp" line="213"/>
        <source>Why</source>
        <translation>Warum</translation>
    </message>
</context>
<context>
    <name>Warden::Internal::TrafficView</name>
    <message>
        <location filename="../../gui/views/trafficview.cpp" line="42"/>
        <location filename="../../gui/views/trafficview.cpp" line="54"/>
        <source>&amp;Pause</source>
        <translation>&amp;Pause</translation>
    </message>
    <message>
        <location filename="../../gui/views/trafficview.cpp" line="43"/>
        <source>&amp;Rejected frames only</source>
        <translation>Nur &amp;abgelehnte Frames</translation>
    </message>
    <message>
        <location filename="../../gui/views/trafficview.cpp" line="54"/>
        <source>&amp;Resume</source>
        <translation>&amp;Fortsetzen</translation>
    </message>
    <message>
        <location filename="../../gui/views/trafficview.cpp" line="57"/>
        <source>Nodes, e.g. 3 7 12</source>
        <translation>Knoten, z. B. 3 7 12</translation>
    </message>
    <message>
        <location filename="../../gui/views/trafficview.cpp" line="58"/>
        <source>Node filter</source>
        <translation>Knotenfilter</translation>
    </message>
    <message>
        <location filename="../../gui/views/trafficview.cpp" line="67"/>
        <source>&amp;Dismiss</source>
        <translation>&amp;Verwerfen</translation>
    </message>
    <message>
        <location filename="../../gui/views/trafficview.cpp" line="99"/>
        <source>Traffic</source>
        <translation>Verkehr</translation>
    </message>
    <message>
        <location filename="../../gui/views/trafficview.cpp" line="145"/>
        <source>Node ids are whole numbers from 0 to 255, separated by spaces or commas</source>
        <translation>Knoten-IDs sind ganze Zahlen von 0 bis 255, getrennt durch Leerzeichen oder Kommas</translation>
    </message>
    <message>
        <location filename="../../gui/views/trafficview.cpp" line="165"/>
        <source>Node %1 on %2: %3 frames failed verification within %4 s (last: %5). Someone may be forging frames or replaying them; consider revoking the node.</source>
        <translation>Knoten %1 auf %2: Bei %3 Frames schlug die Prüfung innerhalb von %4 s fehl (zuletzt: %5). Möglicherweise fälscht jemand Frames oder spielt sie erneut ein; erwägen Sie, den Knoten zu widerrufen.</translation>
    </message>
    <message>
        <location filename="../../gui/views/trafficview.cpp" line="197"/>
        <source>cannot write the traffic export &apos;%1&apos;: %2</source>
        <translation>der Verkehrsexport „%1“ kann nicht geschrieben werden: %2</translation>
    </message>
    <message>
        <location filename="../../gui/views/trafficview.cpp" line="200"/>
        <source>writing the traffic export &apos;%1&apos; failed: %2</source>
        <translation>das Schreiben des Verkehrsexports „%1“ ist fehlgeschlagen: %2</translation>
    </message>
</context>
<context>
    <name>Warden::Internal::WhitelistEditor</name>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="66"/>
        <source>Whitelists</source>
        <translation>Whitelists</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="93"/>
        <source>A node accepts signed frames only from the nodes on its whitelist, each identified by its serial. Edit the lists, check the changes below, then push: each node applies its new list when it acknowledges it.</source>
        <translation>Ein Knoten akzeptiert signierte Frames nur von den Knoten auf seiner Whitelist, jeweils an ihrer Seriennummer erkannt. Bearbeiten Sie die Listen, prüfen Sie unten die Änderungen und übertragen Sie dann: Jeder Knoten wendet seine neue Liste an, wenn er sie bestätigt.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="100"/>
        <source>Warden nodes</source>
        <translation>Warden-Knoten</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="106"/>
        <source>&amp;Nodes (checked: pushed to):</source>
        <translation>Kn&amp;oten (markiert: wird übertragen):</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="108"/>
        <source>Check &amp;all</source>
        <translation>&amp;Alle markieren</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="109"/>
        <source>Check n&amp;one</source>
        <translation>&amp;Keine markieren</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="127"/>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="185"/>
        <source>Node</source>
        <translation>Knoten</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="127"/>
        <source>Serial</source>
        <translation>Seriennummer</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="132"/>
        <source>Whitelist of the selected node</source>
        <translation>Whitelist des ausgewählten Knotens</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="134"/>
        <source>&amp;Whitelist of the selected node:</source>
        <translation>&amp;Whitelist des ausgewählten Knotens:</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="138"/>
        <source>Node id to list</source>
        <translation>Aufzunehmende Knoten-ID</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="139"/>
        <source>0 is the gateway.</source>
        <translation>0 ist das Gateway.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="141"/>
        <source>18 hex digits</source>
        <translation>18 Hexziffern</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="142"/>
        <source>Serial of the node to list</source>
        <translation>Seriennummer des aufzunehmenden Knotens</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="147"/>
        <source>A&amp;dd</source>
        <translation>&amp;Hinzufügen</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="149"/>
        <source>&amp;Remove selected</source>
        <translation>Ausgewählte &amp;entfernen</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="152"/>
        <source>Network-wide: add and remove on every &amp;checked node</source>
        <translation>Netzwerkweit: auf jedem &amp;markierten Knoten hinzufügen und entfernen</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="153"/>
        <source>&amp;Id:</source>
        <translation>&amp;ID:</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="155"/>
        <source>&amp;Serial:</source>
        <translation>&amp;Seriennummer:</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="179"/>
        <source>Changes to push</source>
        <translation>Zu übertragende Änderungen</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="180"/>
        <source>C&amp;hanges to push:</source>
        <translation>Zu übertragende Än&amp;derungen:</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="182"/>
        <source>&amp;Push to the checked nodes</source>
        <translation>An die markierten Knoten &amp;übertragen</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="185"/>
        <source>State</source>
        <translation>Zustand</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="189"/>
        <source>Push progress</source>
        <translation>Übertragungsfortschritt</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="193"/>
        <source>Close</source>
        <translation>Schließen</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="310"/>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="630"/>
        <source>Node %1</source>
        <translation>Knoten %1</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="311"/>
        <source>Node %1 (list not pushed yet)</source>
        <translation>Knoten %1 (Liste noch nicht übertragen)</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="322"/>
        <source>No node has a management key on file, so no whitelist can be pushed. Personalize nodes with Warden firmware first.</source>
        <translation>Für keinen Knoten ist ein Verwaltungsschlüssel hinterlegt, daher kann keine Whitelist übertragen werden. Personalisieren Sie zuerst Knoten mit Warden-Firmware.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="325"/>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="568"/>
        <source>The network is not running, so nothing can be pushed now.</source>
        <translation>Das Netzwerk läuft nicht, daher kann jetzt nichts übertragen werden.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="380"/>
        <source>the gateway (%1)</source>
        <translation>das Gateway (%1)</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="381"/>
        <source>node %1 (%2)</source>
        <translation>Knoten %1 (%2)</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="392"/>
        <source>0 (gateway)</source>
        <translation>0 (Gateway)</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="416"/>
        <source>A serial is 18 hex digits (9 bytes).</source>
        <translation>Eine Seriennummer besteht aus 18 Hexziffern (9 Bytes).</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="440"/>
        <source>Not added to node(s) %1: a whitelist holds at most %2 entries.</source>
        <translation>Nicht zu den Knoten %1 hinzugefügt: Eine Whitelist fasst höchstens %2 Einträge.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="504"/>
        <source>Node %1: no change.</source>
        <translation>Knoten %1: keine Änderung.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="511"/>
        <source>Node %1: its list was never pushed by Warden, so it is replaced whole; it will list %2.</source>
        <translation>Knoten %1: Seine Liste wurde nie von Warden übertragen, daher wird sie ganz ersetzt; sie wird %2 führen.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="514"/>
        <source>nobody</source>
        <translation>niemanden</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="520"/>
        <source>gains %1</source>
        <translation>bekommt %1 dazu</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="523"/>
        <source>the gateway</source>
        <translation>das Gateway</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="523"/>
        <source>node %1</source>
        <translation>Knoten %1</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="525"/>
        <source>loses %1</source>
        <translation>verliert %1</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="526"/>
        <source>Node %1: %2.</source>
        <translation>Knoten %1: %2.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="528"/>
        <source>  Warning: without the gateway on its list, node %1 no longer accepts the gateway&apos;s signed frames if it requires whitelisting.</source>
        <translation>  Warnung: Ohne das Gateway auf seiner Liste akzeptiert Knoten %1 die signierten Frames des Gateways nicht mehr, falls er Whitelisting verlangt.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="533"/>
        <source>Check the nodes to push to.</source>
        <translation>Markieren Sie die Knoten, an die übertragen werden soll.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="578"/>
        <source>no change, not sent</source>
        <translation>keine Änderung, nicht gesendet</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="583"/>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="588"/>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="636"/>
        <source>failed: %1</source>
        <translation>fehlgeschlagen: %1</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="592"/>
        <source>queued</source>
        <translation>eingereiht</translation>
    </message>
    <message numerus="yes">
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="596"/>
        <source>Pushing to %n node(s)...</source>
        <translation>
            <numerusform>Übertrage an %n Knoten...</numerusform>
            <numerusform>Übertrage an %n Knoten...</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="597"/>
        <source>Nothing to push.</source>
        <translation>Nichts zu übertragen.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="616"/>
        <source>pending: node %1 does not answer; sent again when it is heard (%2)</source>
        <translation>ausstehend: Knoten %1 antwortet nicht; wird erneut gesendet, wenn er gehört wird (%2)</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="618"/>
        <source>no acknowledgement</source>
        <translation>keine Bestätigung</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="621"/>
        <source>sending (attempt %1)</source>
        <translation>sendet (Versuch %1)</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="625"/>
        <source>applied (authenticated acknowledgement)</source>
        <translation>angewendet (authentifizierte Bestätigung)</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="636"/>
        <source>refused</source>
        <translation>abgelehnt</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="639"/>
        <source>cancelled</source>
        <translation>abgebrochen</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/whitelisteditor.cpp" line="661"/>
        <source>%1 applied, %2 pending, %3 failed, %4 in progress.</source>
        <translation>%1 angewendet, %2 ausstehend, %3 fehlgeschlagen, %4 laufen.</translation>
    </message>
</context>
<context>
    <name>screenshots</name>
    <message>
        <location filename="../../gui/app/screenshots.cpp" line="172"/>
        <source>lost in the garden</source>
        <translation>im Garten verloren</translation>
    </message>
</context>
</TS>
