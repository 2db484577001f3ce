import Foundation
import Testing
import Doctor

@Suite struct DoctorReporting {
    let results = [DoctorResult(name: "mpi", status: .pass, value: "2 ranks on 1 node"),
                   DoctorResult(name: "threads", status: .warn, value: "OMP_NUM_THREADS=unset",
                                message: "export OMP_NUM_THREADS=1\nsecond line"),
                   DoctorResult(name: "output-dir", status: .fail, value: "/x/y", message: "cannot create")]

    @Test func jsonLinesRoundTrip() throws {
        let lines = DoctorReport.jsonLines(results).split(separator: "\n")
        #expect(lines.count == 3)
        let decoded = try lines.map { try JSONDecoder().decode(DoctorResult.self, from: Data($0.utf8)) }
        #expect(decoded == results)
        #expect(lines[2] == #"{"message":"cannot create","name":"output-dir","status":"FAIL","value":"/x/y"}"#)
    }

    @Test func messagesAreOneLine() {
        #expect(results[1].message == "export OMP_NUM_THREADS=1 second line")
    }

    @Test func tableHasHeaderRowsAndSummary() {
        let lines = DoctorReport.table(results).split(separator: "\n")
        #expect(lines.count == 5)
        #expect(lines[0].hasPrefix("CHECK"))
        #expect(lines[2].contains("WARN") && lines[2].hasSuffix("export OMP_NUM_THREADS=1 second line"))
        #expect(lines[4] == "3 checks: 1 PASS, 1 WARN, 1 FAIL")
        // columns are aligned: STATUS starts at the same offset on every row
        let offsets = lines.prefix(4).map { $0.range(of: $0 == lines[0] ? "STATUS" : ($0.contains("PASS") ? "PASS" : $0.contains("WARN") ? "WARN" : "FAIL"))!.lowerBound.utf16Offset(in: $0) }
        #expect(Set(offsets).count == 1)
    }

    @Test func verdictFollowsWorstStatus() {
        #expect(!Doctor.succeeded(results))
        #expect(Doctor.succeeded(Array(results.prefix(2))))
        #expect(DoctorStatus.fail > .warn && DoctorStatus.warn > .pass)
    }

    @Test func quickChecksAreASubsetOfAllChecks() {
        let quick = Doctor.quickChecks(DoctorOptions()).map(\.name)
        #expect(quick == ["mpi", "mpi-startup", "threads", "memory", "disk", "output-dir"])
        #expect(Set(quick).isSubset(of: Doctor.checkNames))
        #expect(Doctor.checkNames.count == 13 && Doctor.checkNames.last == "pseudopotentials")
    }

    /// libmunge installed without munged: a WARN naming both fixes, unless PMIX_MCA_psec leaves munge out.
    @Test func mpiStartupWarnsOnlyWhenMungeWouldBeWaitedFor() {
        let waits = MPIStartupCheck.assess(psec: nil, libmunge: true, socket: false)
        #expect(waits.status == .warn)
        #expect(waits.message.contains("PMIX_MCA_psec=^munge") && waits.message.contains("start munged"))
        #expect(waits.value == "PMIX_MCA_psec=unset, libmunge installed, munged not running")
        #expect(MPIStartupCheck.assess(psec: "^munge", libmunge: true, socket: false).status == .pass)
        #expect(MPIStartupCheck.assess(psec: "native", libmunge: true, socket: false).status == .pass)
        #expect(MPIStartupCheck.assess(psec: "munge,native", libmunge: true, socket: false).status == .warn)
        #expect(MPIStartupCheck.assess(psec: "^native", libmunge: true, socket: false).status == .warn)
        #expect(MPIStartupCheck.assess(psec: nil, libmunge: true, socket: true).status == .pass)
        #expect(MPIStartupCheck.assess(psec: nil, libmunge: false, socket: false).status == .pass)
    }

    /// A slow MPI_Init on a machine without RDMA devices and with the default PML: a WARN naming ob1.
    @Test func mpiStartupWarnsAboutUCXWithoutRDMA() {
        let slow = MPIStartupCheck.assessPML(pml: nil, rdma: false, initSeconds: 0.23)
        #expect(slow.status == .warn)
        #expect(slow.message.contains("OMPI_MCA_pml=ob1"))
        #expect(slow.value == "MPI_Init 0.23 s, OMPI_MCA_pml=unset, no RDMA device")
        #expect(MPIStartupCheck.assessPML(pml: "ob1", rdma: false, initSeconds: 0.23).status == .pass)
        #expect(MPIStartupCheck.assessPML(pml: nil, rdma: true, initSeconds: 0.23).status == .pass)
        #expect(MPIStartupCheck.assessPML(pml: nil, rdma: false, initSeconds: 0.03).status == .pass)
    }
}
