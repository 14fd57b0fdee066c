namespace Workflows.Core.Validation;

/// <summary>One problem with client input. <see cref="Field"/> is a JSON path such as <c>nodes[2].parameters.url</c>.</summary>
public sealed record ValidationError(string Field, string Message);

/// <summary>Thrown where input is checked deep inside a call; the API turns it into a 400 naming the fields.</summary>
public sealed class ValidationException(IReadOnlyList<ValidationError> errors)
    : Exception(string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}")))
{
    public IReadOnlyList<ValidationError> Errors { get; } = errors;
}
