import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ValidationResult;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.PrePopulatedValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * HAPI FHIR's instance validator (the engine of the official HL7 FHIR validator) for R4, offline,
 * as a long-lived process for the tests: one FHIR JSON resource per line on stdin, one line of
 * JSON per resource on stdout, the OperationOutcome the validator produced.
 *
 * <p>Arguments: folders of conformance resources (StructureDefinition, ValueSet, CodeSystem as
 * *.json) to load besides the base R4 definitions: the project's own extensions and profiles.
 * The first stdout line is {"ready":true,...} once the validator has been warmed up.
 */
public final class FhirValidatorServer {
  public static void main(String[] args) throws Exception {
    long started = System.nanoTime();
    FhirContext context = FhirContext.forR4();
    PrePopulatedValidationSupport own = new PrePopulatedValidationSupport(context);
    IParser parser = context.newJsonParser();
    List<String> loaded = new ArrayList<>();
    for (String folder : args) {
      try (Stream<Path> files = Files.list(Path.of(folder))) {
        for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
          try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            IBaseResource resource = parser.parseResource(reader);
            own.addResource(resource);
            loaded.add(file.getFileName().toString());
          }
        }
      }
    }
    ValidationSupportChain chain =
        new ValidationSupportChain(
            new DefaultProfileValidationSupport(context),
            own,
            new CommonCodeSystemsTerminologyService(context),
            new InMemoryTerminologyServerValidationSupport(context),
            new SnapshotGeneratingValidationSupport(context));
    FhirInstanceValidator instanceValidator = new FhirInstanceValidator(chain);
    // An extension no StructureDefinition defines is an error, so every extension the hub writes
    // must be one of its own published definitions (or a base one).
    instanceValidator.setAnyExtensionsAllowed(false);
    FhirValidator validator = context.newValidator();
    validator.registerValidatorModule(instanceValidator);

    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    IParser encoder = context.newJsonParser().setPrettyPrint(false);
    // Warm up: the first validation loads and indexes the base definitions.
    validator.validateWithResult("{\"resourceType\":\"Basic\",\"code\":{\"text\":\"warm-up\"}}");
    out.println(
        "{\"ready\":true,\"startMs\":"
            + (System.nanoTime() - started) / 1_000_000
            + ",\"loaded\":"
            + loaded.size()
            + ",\"hapi\":\""
            + ca.uhn.fhir.util.VersionUtil.getVersion()
            + "\"}");
    out.flush();

    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isBlank()) continue;
      String answer;
      try {
        ValidationResult result = validator.validateWithResult(line);
        answer = encoder.encodeResourceToString(result.toOperationOutcome());
      } catch (RuntimeException e) {
        answer =
            "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"fatal\",\"code\":\"exception\",\"diagnostics\":"
                + jsonString("Validator failed: " + e)
                + "}]}";
      }
      out.println(answer);
      out.flush();
    }
  }

  private static String jsonString(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }
}
