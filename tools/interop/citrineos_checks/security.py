"""Security (blocks A, M, N) through CitrineOS: certificates, logs, TLS profiles."""

from __future__ import annotations

from tools.interop.citrineos_checks.base import (
    PASSWORD,
    STATION,
    SuiteBase,
    UploadServer,
    expect,
    wait,
)
from tools.interop.station_process import StationConfig, call


class SecurityChecks(SuiteBase):
    """Certificates, GetLog, boots over TLS."""

    def certificates(self) -> None:
        """InstallCertificate, GetInstalledCertificateIds, DeleteCertificate."""
        pem = self.pki.manufacturer_root.cert.read_text()
        with self.check("InstallCertificate / GetInstalledCertificateIds / DeleteCertificate") as n:
            answer = self.result(
                "certificates",
                "installCertificate",
                {"certificateType": "ManufacturerRootCertificate", "certificate": pem},
            )
            expect(answer.get("status") == "Accepted", f"InstallCertificate: {answer}")
            listed = self.result(
                "certificates",
                "getInstalledCertificateIds",
                {"certificateType": ["ManufacturerRootCertificate"]},
            )
            chains = listed.get("certificateHashDataChain", [])
            expect(listed.get("status") == "Accepted" and chains, f"GetInstalled...: {listed}")
            serial = format(self.pki.manufacturer_root.certificate.serial_number, "x")
            mine = [
                c["certificateHashData"]
                for c in chains
                if c["certificateHashData"]["serialNumber"].lower().lstrip("0")
                == serial.lstrip("0")
            ]
            expect(mine, f"the installed root is not listed: {chains}")
            wait(
                "CitrineOS stored the installed certificate ids",
                lambda: self.db.rows(
                    f'SELECT 1 FROM "InstalledCertificates" WHERE "stationId" = \'{STATION}\''
                ),
                timeout=20,
            )
            deleted = self.result(
                "certificates", "deleteCertificate", {"certificateHashData": mine[0]}
            )
            expect(deleted.get("status") == "Accepted", f"DeleteCertificate: {deleted}")
            again = self.result(
                "certificates",
                "getInstalledCertificateIds",
                {"certificateType": ["ManufacturerRootCertificate"]},
            )
            left = [
                c
                for c in again.get("certificateHashDataChain", [])
                if c["certificateHashData"] == mine[0]
            ]
            expect(not left, "the deleted certificate is still listed")
            n.append(f"serial {serial} installed, listed, deleted")

    def get_log(self, uploads: UploadServer) -> None:
        """GetLog of both log types, uploaded to ``uploads``."""
        for log_type in ("DiagnosticsLog", "SecurityLog"):
            with self.check(f"GetLog {log_type}: uploaded, LogStatusNotification accepted") as n:
                request_id = self.next_request_id()
                mark = self.st.last_index()
                count = len(uploads.received)
                answer = self.result(
                    "reporting",
                    "getLog",
                    {
                        "logType": log_type,
                        "requestId": request_id,
                        "log": {"remoteLocation": uploads.url},
                    },
                )
                expect(answer.get("status") == "Accepted", f"GetLog answer {answer}")
                self.st.wait_for(
                    "LogStatusNotification Uploaded",
                    lambda f: (
                        call("LogStatusNotification", "out")(f)
                        and f.payload.get("status") == "Uploaded"
                    ),
                    after=mark,
                )
                expect(len(uploads.received) > count, "nothing reached the upload server")
                n.append(f"{uploads.received[-1][1]} bytes uploaded")

    def tls_profiles(self) -> None:
        """Boots with security profiles 2 (TLS) and 3 (mutual TLS)."""
        for profile in (2, 3):
            server = self.sp.get(profile)
            if server is None:
                self.report.skip(f"SP{profile} boot over TLS", "no endpoint configured")
                continue
            config = StationConfig(
                identity=STATION,
                url=f"{server.url()}/",
                security_profile=profile,
                password=PASSWORD if profile == 2 else None,
                ca_file=self.pki.csms_root.cert,
                cert_file=self.pki.station.chain if profile == 3 else None,
                key_file=self.pki.station.key if profile == 3 else None,
                serial_number=self.pki.serial_number,
            )
            station = self.start_station(f"sp{profile}", config)
            with self.check(f"SP{profile} boot over TLS: BootNotification Accepted") as n:
                boot = self.out_answered("BootNotification", "BootNotification", after=-1)
                answer = station.answer_to(boot)
                assert answer is not None
                expect(answer.payload.get("status") == "Accepted", f"boot {answer.payload}")
                self.out_answered("StatusNotification", "StatusNotification", after=boot.index)
                active = station.command("status")["security_profile"]
                expect(active == profile, f"the station connected with security profile {active}")
                n.append(f"{server.url()} ({'TLS + Basic auth' if profile == 2 else 'mutual TLS'})")
