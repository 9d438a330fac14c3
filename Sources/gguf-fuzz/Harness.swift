// The GGUF fuzzer's harness: ModelBytesProbe over whatever bytes it is given.
//
// Built with libFuzzer (`make fuzz`, `make fuzz-ci`: `-sanitize=fuzzer -DFUZZING` in a build folder of
// its own), libFuzzer's driver feeds the probe coverage-guided mutations of the committed corpus. Built plainly (as `swift build` does), it is a replayer: it runs
// each file named on the command line through the same probe and prints the outcome, which is how a
// crasher is looked at before it joins the corpus.
import Foundation
import SpeculumEngine

#if FUZZING
/// libFuzzer's driver, called from our own main (SwiftPM's executables name their entry point, so
/// libFuzzer's main cannot be the program's).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

@main struct Fuzzer {
    static func main() {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
            _ = ModelBytesProbe.probe(bytes)
            return 0
        })
    }
}
#else
@main struct Replayer {
    static func main() {
        let paths = CommandLine.arguments.dropFirst()
        if paths.isEmpty {
            FileHandle.standardError.write(Data("usage: gguf-fuzz FILE... (replays files through the probe; `make fuzz` fuzzes)\n".utf8))
            exit(2)
        }
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else {
                print("\(path): cannot read the file")
                continue
            }
            print("\(path): \(ModelBytesProbe.probe([UInt8](data), name: path))")
        }
    }
}
#endif
