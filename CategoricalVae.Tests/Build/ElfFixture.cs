using System.Text;

namespace CategoricalVae.Tests.Build;

/// <summary>
/// Builds a minimal ELF64 little-endian shared object with .dynstr, .gnu.version_r (one Verneed with two
/// Vernaux: GLIBCXX_3.4.30 as version 2, GLIBCXX_3.4.32 as version 3), .dynsym, .gnu.version and .rela.dyn.
/// </summary>
public static class ElfFixture
{
    public const string Weakened = "GLIBCXX_3.4.32";
    public const string Other = "GLIBCXX_3.4.30";

    /// <param name="relocateVersion32Symbol">When true a relocation refers to the 3.4.32 symbol (must be refused).</param>
    public static byte[] Build(bool relocateVersion32Symbol = false, bool bigHeaderTable = false)
    {
        var dynstr = new MemoryStream();
        int Str(string s)
        {
            int at = (int)dynstr.Length;
            dynstr.Write(Encoding.ASCII.GetBytes(s + "\0"));
            return at;
        }
        Str("");
        int libName = Str("libstdc++.so.6");
        int v30 = Str(Other), v32 = Str(Weakened);
        int symA = Str("_ZNSt8ios_base4InitC1Ev"), symB = Str("_ZSt21ios_base_library_initv");

        var verneed = new MemoryStream();
        var w = new BinaryWriter(verneed);
        w.Write((ushort)1); w.Write((ushort)2); w.Write(libName); w.Write(16); w.Write(0);
        w.Write(0x0297f870); w.Write((ushort)0); w.Write((ushort)2); w.Write(v30); w.Write(16);
        w.Write(0x0297f872); w.Write((ushort)0); w.Write((ushort)3); w.Write(v32); w.Write(0);

        var dynsym = new MemoryStream();
        w = new BinaryWriter(dynsym);
        foreach (int name in new[] { 0, symA, symB })
        {
            w.Write(name); w.Write((byte)(name == 0 ? 0 : 0x12)); w.Write((byte)0); w.Write((ushort)0); w.Write(0L); w.Write(0L);
        }
        var versym = new MemoryStream();
        w = new BinaryWriter(versym);
        w.Write((ushort)0); w.Write((ushort)2); w.Write((ushort)3);

        var rela = new MemoryStream();
        w = new BinaryWriter(rela);
        w.Write(0x1000L); w.Write(((long)(relocateVersion32Symbol ? 2 : 1) << 32) | 6); w.Write(0L);

        byte[][] bodies = [dynstr.ToArray(), verneed.ToArray(), dynsym.ToArray(), versym.ToArray(), rela.ToArray()];
        // section index: 0 null, 1 .dynstr, 2 .gnu.version_r, 3 .dynsym, 4 .gnu.version, 5 .rela.dyn
        (uint Type, uint Link, uint Info, ulong EntSize)[] meta =
        [
            (3, 0, 0, 0), (0x6ffffffe, 1, 1, 0), (11, 1, 1, 24), (0x6fffffff, 3, 0, 2), (4, 3, 0, 24),
        ];

        var file = new MemoryStream();
        file.Write(new byte[64]);
        var offsets = new List<long>();
        foreach (byte[] body in bodies)
        {
            while (file.Length % 8 != 0) file.WriteByte(0);
            offsets.Add(file.Length);
            file.Write(body);
        }
        while (file.Length % 8 != 0) file.WriteByte(0);
        long shoff = file.Length;
        int entsize = bigHeaderTable ? 80 : 64;
        w = new BinaryWriter(file);
        w.Write(new byte[entsize]); // null section
        for (int i = 0; i < bodies.Length; i++)
        {
            w.Write(0); w.Write(meta[i].Type); w.Write(0L); w.Write(0L);
            w.Write(offsets[i]); w.Write((long)bodies[i].Length); w.Write(meta[i].Link); w.Write(meta[i].Info);
            w.Write(8L); w.Write((long)meta[i].EntSize);
            if (bigHeaderTable) w.Write(new byte[entsize - 64]);
        }
        byte[] image = file.ToArray();
        byte[] ident = [0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1];
        ident.CopyTo(image, 0);
        BitConverter.GetBytes((ushort)3).CopyTo(image, 16);   // ET_DYN
        BitConverter.GetBytes((ushort)62).CopyTo(image, 18);  // EM_X86_64
        BitConverter.GetBytes(shoff).CopyTo(image, 0x28);
        BitConverter.GetBytes((ushort)64).CopyTo(image, 0x34);
        BitConverter.GetBytes((ushort)entsize).CopyTo(image, 0x3a);
        BitConverter.GetBytes((ushort)(bodies.Length + 1)).CopyTo(image, 0x3c);
        return image;
    }
}
