using System.Text;
using System.Text.RegularExpressions;

namespace ProcAudit.DotNet;

/// <summary>
/// Puts the frame names of the two sources into one shape, <c>Namespace.Type.Method(ParameterTypes)</c>, so the
/// same frame reads the same whether it came from EventPipe or from ClrMD, and so a report can match on it.
/// </summary>
/// <remarks>
/// EventPipe (TraceEvent) writes <c>Module!Ns.Type`1[System.Int32].Method(class System.Object,bool&amp;)</c>;
/// ClrMD writes <c>Ns.Type`1[[System.Int32, System.Private.CoreLib]].Method(System.Object, Boolean ByRef)</c>.
/// Both become <c>Ns.Type`1[System.Int32].Method(Object, Boolean ByRef)</c>: the module prefix and assembly names go,
/// parameter types lose their namespaces and IL keywords become CLR type names. The declaring type keeps its
/// namespace, because that is what names the frame. One difference is left: an open generic parameter that
/// EventPipe writes as <c>!0</c> is the instantiated type in ClrMD.
/// </remarks>
internal static class FrameNames
{
    // Longest first, so that "unsigned int8" is not read as "int8".
    private static readonly Regex s_ilKeyword = new Regex(
        @"(?<![\w.`])(native unsigned int|native int|unsigned int8|unsigned int16|unsigned int32|unsigned int64|uint8|uint16|uint32|uint64|int8|int16|int32|int64|float32|float64|wchar|char|bool|void|string|object|typedref)(?![\w`])",
        RegexOptions.CultureInvariant);

    private static readonly Regex s_classKeyword = new Regex(@"(?<![\w.`])(value )?class ", RegexOptions.CultureInvariant);

    // A namespace (or enclosing namespace chain) in front of a type name: "System.Collections.Generic." in
    // "System.Collections.Generic.List`1".
    private static readonly Regex s_namespacePrefix = new Regex(@"(?<![\w`])(?:[A-Za-z_][\w`]*\.)+(?=[A-Za-z_])", RegexOptions.CultureInvariant);

    private static readonly Dictionary<string, string> s_clrNames = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["native unsigned int"] = "UIntPtr",
        ["native int"] = "IntPtr",
        ["unsigned int8"] = "Byte",
        ["unsigned int16"] = "UInt16",
        ["unsigned int32"] = "UInt32",
        ["unsigned int64"] = "UInt64",
        ["uint8"] = "Byte",
        ["uint16"] = "UInt16",
        ["uint32"] = "UInt32",
        ["uint64"] = "UInt64",
        ["int8"] = "SByte",
        ["int16"] = "Int16",
        ["int32"] = "Int32",
        ["int64"] = "Int64",
        ["float32"] = "Single",
        ["float64"] = "Double",
        ["wchar"] = "Char",
        ["char"] = "Char",
        ["bool"] = "Boolean",
        ["void"] = "Void",
        ["string"] = "String",
        ["object"] = "Object",
        ["typedref"] = "TypedReference",
    };

    /// <summary>The normalized name of one frame; an odd shape comes back as it was (less any module prefix).</summary>
    public static string Normalize(string raw)
    {
        string name = raw.Trim();
        int paren = name.IndexOf('(');
        int bang = name.IndexOf('!');
        if (bang >= 0 && (paren < 0 || bang < paren))
        {
            name = name[(bang + 1)..];
            paren = name.IndexOf('(');
        }

        try
        {
            if (paren < 0 || !name.EndsWith(')'))
            {
                return NormalizeDeclaringPart(name);
            }

            string head = NormalizeDeclaringPart(name[..paren]);
            List<string> parameters = SplitTopLevel(name[(paren + 1)..^1]);
            StringBuilder result = new StringBuilder(head).Append('(');
            for (int i = 0; i < parameters.Count; i++)
            {
                if (i > 0)
                {
                    result.Append(", ");
                }

                result.Append(NormalizeParameter(parameters[i]));
            }

            return result.Append(')').ToString();
        }
        catch (ArgumentOutOfRangeException)
        {
            // A shape this parser never saw: the raw name is still better than no frame.
            return name;
        }
    }

    /// <summary>The type and method part: ClrMD's assembly-qualified generic arguments become TraceEvent's plain ones.</summary>
    private static string NormalizeDeclaringPart(string part)
    {
        if (!part.Contains("[[", StringComparison.Ordinal))
        {
            return part;
        }

        StringBuilder result = new StringBuilder(part.Length);
        int i = 0;
        while (i < part.Length)
        {
            if (part[i] == '[' && i + 1 < part.Length && part[i + 1] == '[')
            {
                i = CopyGenericArguments(part, i, result);
            }
            else
            {
                result.Append(part[i]);
                i++;
            }
        }

        return result.ToString();
    }

    /// <summary>Copies <c>[[A, AsmA],[B, AsmB]]</c> starting at <paramref name="start"/> as <c>[A,B]</c>; returns the index after it.</summary>
    private static int CopyGenericArguments(string text, int start, StringBuilder result)
    {
        int i = start + 1;
        result.Append('[');
        bool first = true;
        while (i < text.Length && text[i] == '[')
        {
            if (!first)
            {
                result.Append(',');
            }

            first = false;
            i++;
            while (i < text.Length && text[i] != ',' && text[i] != ']')
            {
                if (text[i] == '[' && i + 1 < text.Length && text[i + 1] == '[')
                {
                    i = CopyGenericArguments(text, i, result);
                }
                else if (text[i] == '[' && i + 1 < text.Length && text[i + 1] == ']')
                {
                    result.Append("[]");
                    i += 2;
                }
                else
                {
                    result.Append(text[i]);
                    i++;
                }
            }

            // The assembly name after the comma has no brackets: skip to the end of this argument.
            while (i < text.Length && text[i] != ']')
            {
                i++;
            }

            i++;
            if (i < text.Length && text[i] == ',')
            {
                i++;
            }
        }

        if (i < text.Length && text[i] == ']')
        {
            i++;
        }

        result.Append(']');
        return i;
    }

    private static string NormalizeParameter(string parameter)
    {
        string type = parameter.Trim();
        bool byRef = false;
        if (type.EndsWith(" ByRef", StringComparison.Ordinal))
        {
            byRef = true;
            type = type[..^" ByRef".Length];
        }
        else if (type.EndsWith('&'))
        {
            byRef = true;
            type = type[..^1];
        }

        type = s_classKeyword.Replace(type, string.Empty);
        type = s_ilKeyword.Replace(type, static match => s_clrNames[match.Value]);
        type = s_namespacePrefix.Replace(type, string.Empty);
        type = NormalizeDeclaringPart(type);
        return byRef ? type + " ByRef" : type;
    }

    /// <summary>Splits at commas that are not inside generic brackets.</summary>
    private static List<string> SplitTopLevel(string list)
    {
        List<string> parts = new List<string>();
        if (string.IsNullOrWhiteSpace(list))
        {
            return parts;
        }

        int depth = 0;
        int start = 0;
        for (int i = 0; i < list.Length; i++)
        {
            char c = list[i];
            if (c is '<' or '[' or '(')
            {
                depth++;
            }
            else if (c is '>' or ']' or ')')
            {
                depth--;
            }
            else if (c == ',' && depth == 0)
            {
                parts.Add(list[start..i]);
                start = i + 1;
            }
        }

        parts.Add(list[start..]);
        return parts;
    }
}
