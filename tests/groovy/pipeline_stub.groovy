// A small stub of Jenkins' declarative pipeline DSL, for tests/test_jenkinsfile.py.
//
//     groovy tests/groovy/pipeline_stub.groovy Jenkinsfile
//
// evaluates the Jenkinsfile with a GroovyShell whose Binding holds one closure
// per DSL word, and prints as JSON what it declares: the agent, the build
// parameters, and every step with the stage (or post condition) it runs in.
// Words the stub doesn't know are recorded as generic steps, so a Jenkinsfile
// may use other plugins' steps; a Groovy error exits non-zero.
import groovy.json.JsonOutput

class StubBinding extends Binding {
    Closure unknown

    Object getVariable(String name) {
        return hasVariable(name) ? super.getVariable(name) : unknown.call(name)
    }
}

def recorded = [agent: null, options: [], parameters: [], environment: [:], steps: [], stages: [], post: []]
def where = []  // the stage (or post condition) being evaluated

def record = { String step, Object args ->
    recorded.steps << [step: step, where: where.join(' / '), args: args]
}
def nested = { String name, Closure body ->
    where.push(name)
    try { body.call() } finally { where.pop() }
}
def parameter = { String type ->
    return { Map args -> recorded.parameters << ([type: type] + args) }
}

def binding = new StubBinding()
// STUB_MISSING_STEPS=publishHTML,allure: those steps fail as Jenkins fails a step of a plugin not installed.
def missing = (System.getenv('STUB_MISSING_STEPS') ?: '').tokenize(',')
binding.unknown = { String name ->
    if (name in missing) {
        return { Object... args -> throw new NoSuchMethodError("No such DSL method '${name}' found among steps") }
    }
    return { Object... args -> record(name, args.toList()) }
}
// STUB_PARAMS='{"TESTRAIL_ENABLE": true}': the build's parameter values (default: none set).
binding.setVariable('params', new groovy.json.JsonSlurper().parseText(System.getenv('STUB_PARAMS') ?: '{}'))
binding.setVariable('withCredentials', { List bindings, Closure body ->
    record('withCredentials', [bindings: bindings])
    nested("withCredentials", body)
})
binding.setVariable('usernamePassword', { Map args -> return [type: 'usernamePassword'] + args })

binding.setVariable('any', 'any')
binding.setVariable('none', 'none')
binding.setVariable('pipeline', { Closure body -> body.call() })
binding.setVariable('agent', { Object value -> recorded.agent = value instanceof Closure ? 'custom' : value })
binding.setVariable('options', { Closure body ->
    def saved = binding.unknown
    binding.unknown = { String name -> return { Object... args -> recorded.options << name } }
    try { body.call() } finally { binding.unknown = saved }
})
binding.setVariable('parameters', { Closure body -> body.call() })
['choice', 'string', 'booleanParam', 'text', 'password'].each { binding.setVariable(it, parameter(it)) }
binding.setVariable('environment', { Closure body ->
    body.delegate = recorded.environment
    body.resolveStrategy = Closure.DELEGATE_FIRST
    body.call()
})
binding.setVariable('stages', { Closure body -> body.call() })
binding.setVariable('stage', { String name, Closure body ->
    recorded.stages << name
    nested(name, body)
})
binding.setVariable('steps', { Closure body -> body.call() })
binding.setVariable('script', { Closure body -> body.call() })
binding.setVariable('sh', { Object args ->
    record('sh', [script: args instanceof Map ? args.script : args])
})
binding.setVariable('echo', { Object message -> record('echo', [message: message]) })
binding.setVariable('junit', { Object args -> record('junit', args instanceof Map ? args : [testResults: args]) })
binding.setVariable('archiveArtifacts', { Object args ->
    record('archiveArtifacts', args instanceof Map ? args : [artifacts: args])
})
binding.setVariable('post', { Closure body -> body.call() })
['always', 'success', 'failure', 'unstable', 'changed', 'fixed', 'regression', 'aborted', 'cleanup'].each { condition ->
    binding.setVariable(condition, { Closure body ->
        recorded.post << condition
        nested("post:${condition}".toString(), body)
    })
}

if (args.length != 1) {
    System.err.println('usage: groovy pipeline_stub.groovy JENKINSFILE')
    System.exit(2)
}
new GroovyShell(binding).evaluate(new File(args[0]))
println JsonOutput.toJson(recorded)
