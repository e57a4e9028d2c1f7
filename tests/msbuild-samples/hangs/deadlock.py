"""The classic pipe-order inversion, as a build step would write it by mistake.

The parent reads its child's stdout to EOF before it reads stderr, while the child writes
200000 bytes to stderr first: the child blocks on a full 64 KiB stderr pipe that only the
parent can drain, and the parent waits for an EOF on stdout that only the child can send.

Run without arguments: the parent. With "child": the child.
"""
import subprocess
import sys

if len(sys.argv) > 1 and sys.argv[1] == "child":
    sys.stderr.buffer.write(b"e" * 200000)
    sys.stderr.buffer.flush()
    sys.stdout.write("child done\n")
    sys.exit(0)

child = subprocess.Popen([sys.executable, __file__, "child"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
out = child.stdout.read()
err = child.stderr.read()
child.wait()
print(f"read {len(out)} bytes of stdout and {len(err)} bytes of stderr")
