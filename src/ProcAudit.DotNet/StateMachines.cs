using Microsoft.Diagnostics.Runtime;

namespace ProcAudit.DotNet;

/// <summary>
/// Reading a compiler-generated async state machine inside its box: its type, await state and current awaiter.
/// Field names are the C# compiler's (<c>&lt;&gt;1__state</c>, awaiters <c>&lt;&gt;u__N</c>); the compiler clears an
/// awaiter after resuming, so the one that is set is the await the method is suspended at.
/// </summary>
internal static class StateMachines
{
    private const string StateField = "<>1__state";
    private const string AwaiterPrefix = "<>u__";

    /// <summary>The state machine of a box (a struct in Release builds, a class behind <c>__Canon</c> in Debug).</summary>
    public static FieldReader Of(ClrObject box)
    {
        return new FieldReader(box).Nested("StateMachine");
    }

    /// <summary>True for <c>AsyncStateMachineBox&lt;TSM&gt;</c> and the pooled value-task box.</summary>
    public static bool IsBox(string? typeName)
    {
        return typeName is not null
            && (typeName.Contains("+AsyncStateMachineBox<", StringComparison.Ordinal) || typeName.Contains("+StateMachineBox<", StringComparison.Ordinal));
    }

    /// <summary>The state machine's type name from the box's name: the generic argument of the box.</summary>
    public static string TypeName(string boxTypeName)
    {
        int open = boxTypeName.IndexOf("StateMachineBox<", StringComparison.Ordinal);
        if (open < 0 || !boxTypeName.EndsWith('>'))
        {
            return boxTypeName;
        }

        open += "StateMachineBox<".Length;
        return boxTypeName[open..^1];
    }

    /// <summary>
    /// The method a state machine type stands for: <c>Ns.Class+&lt;Flow&gt;d__3</c> is <c>Ns.Class.Flow</c>, a local function
    /// <c>Ns.Class+&lt;&lt;Main&gt;$&gt;g__Flow|0_0&gt;d</c> is <c>Ns.Class.Flow</c>, a lambda <c>Ns.Class+&lt;&gt;c+&lt;&lt;Run&gt;b__1_0&gt;d</c> is <c>Ns.Class.Run(lambda)</c>.
    /// </summary>
    public static string MethodName(string stateMachineType)
    {
        int plus = stateMachineType.LastIndexOf("+<", StringComparison.Ordinal);
        if (plus < 0)
        {
            return stateMachineType;
        }

        // A lambda's closure class (<>c, or <>c__DisplayClass4_0 when it captures locals) is no part of the method's name.
        string owner = System.Text.RegularExpressions.Regex.Replace(stateMachineType[..plus], @"\+<>c(__DisplayClass[0-9_]+)?", string.Empty).Replace('+', '.');
        string generated = stateMachineType[(plus + 1)..];
        int localFunction = generated.IndexOf(">g__", StringComparison.Ordinal);
        if (localFunction >= 0)
        {
            int end = generated.IndexOf('|', localFunction);
            return owner + "." + generated[(localFunction + 4)..(end < 0 ? generated.Length : end)];
        }

        int lambda = generated.IndexOf(">b__", StringComparison.Ordinal);
        if (lambda >= 0 && generated.StartsWith("<<", StringComparison.Ordinal))
        {
            return owner + "." + generated[2..lambda] + "(lambda)";
        }

        int close = generated.IndexOf('>', 1);
        return close > 1 ? owner + "." + generated[1..close] : owner + "." + generated;
    }

    public static int State(FieldReader stateMachine)
    {
        return stateMachine.Read<int>(StateField);
    }

    /// <summary>The object the state machine's set awaiter refers to, the token of a value-task awaiter, and the awaiter's type.</summary>
    public static (ClrObject Object, short Token, string? AwaiterType) AwaitedObject(FieldReader stateMachine)
    {
        ClrType? type = stateMachine.Type;
        if (stateMachine.IsNull || type is null)
        {
            return default;
        }

        foreach (ClrInstanceField field in type.Fields)
        {
            if (field.Name is not string name || !name.StartsWith(AwaiterPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            if (field.IsObjectReference)
            {
                // Awaiters of reference type share one object-typed field.
                ClrObject value = stateMachine.Object(name);
                if (!value.IsNull)
                {
                    return (value, 0, value.Type?.Name);
                }

                continue;
            }

            FieldReader awaiter = stateMachine.Nested(name);
            ClrObject task = awaiter.Object("m_task");
            if (!task.IsNull)
            {
                return (task, 0, awaiter.Type?.Name);
            }

            FieldReader valueTask = awaiter.Nested("_value");
            ClrObject source = valueTask.Object("_obj");
            if (!source.IsNull)
            {
                return (source, valueTask.Read<short>("_token"), awaiter.Type?.Name);
            }
        }

        return default;
    }
}
